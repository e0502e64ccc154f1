using GeoOrs.Analysis.Calendar;
using GeoOrs.Data.Boundaries;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using Npgsql;

namespace GeoOrs.Data.Alerts;

/// <summary>
/// The fixed thresholds applied at ingest: once a commit has added overdoses to some counties' local
/// days (its <see cref="DataChange"/>), each area with a threshold (<c>alert_thresholds</c>) that holds one of those counties — the
/// county, a county with its queen neighbours, a HIDTA region — has those days counted again, and a
/// day at or above the threshold is stored as the spike job would store it (method <c>threshold</c>,
/// the same stable id, the same count of the events shared beyond their agency), so whichever of the
/// two, on whichever server, stores it first stores it once (<see cref="AlertStore.AddAsync"/>: the
/// alerts' primary key). The days looked at are those the spike job looks at: the area's last
/// <c>spikeDays</c> days up to its local today (the earliest of its members').
/// </summary>
public static class ThresholdCheck
{
    private const string Shared = "NOT EXISTS (SELECT 1 FROM agency_sharing s WHERE s.owner = e.source_agency)";

    /// <summary>Checks the areas a change of overdoses reached; stores the days that cross their thresholds.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="change">What a commit changed: its events' counties and the days from its first to its last (a change of all overdoses reaches every area).</param>
    /// <param name="asOf">The date that stands for every county's today (Analysis:AsOf), or null for each county's own.</param>
    /// <param name="spikeDays">How many days up to today the spike job looks at (Analysis:SpikeDays).</param>
    /// <param name="now">The present instant.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The alerts stored now (empty when none was new).</returns>
    public static async Task<IReadOnlyList<NewAlert>> CheckAsync(
        NpgsqlDataSource dataSource, DataChange change, DateOnly? asOf, int spikeDays, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(change);
        if (change.Kind != DataKind.Overdoses || change.IsEmpty)
        {
            return [];
        }

        var thresholds = await AnalysisInputs.ThresholdsAsync(dataSource, cancellationToken).ConfigureAwait(false);
        if (thresholds.Count == 0)
        {
            return [];
        }

        var areas = await CountyAreas.CurrentAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var candidates = new Dictionary<(string Kind, string Id), (string Name, int[] Members, int Threshold)>();
        void Consider(string kind, string id, string name, Func<int[]> members)
        {
            if (!candidates.ContainsKey((kind, id)) && thresholds.TryGetValue((kind, id), out var n))
            {
                candidates[(kind, id)] = (name, members(), n);
            }
        }

        var counties = change.Everything ? areas.Geoids : change.Counties;
        foreach (var county in counties)
        {
            if (!areas.IndexOf.TryGetValue(county, out var i))
            {
                continue;
            }

            Consider("county", county, areas.Names[i], () => [i]);
            foreach (var j in areas.Queen.Neighbors(i).ToArray().Append(i))
            {
                if (areas.Queen.Neighbors(j).Length > 0)
                {
                    Consider("county_neighbors", areas.Geoids[j], areas.Names[j] + " and neighbours", () => [.. areas.Queen.Neighbors(j).ToArray(), j]);
                }
            }

            foreach (var hidta in areas.Hidtas.Where(h => h.Counties.Contains(i)))
            {
                Consider("hidta", hidta.Id, hidta.Name, () => [.. hidta.Counties]);
            }
        }

        // Each area's days that the change reached, within the days the spike job looks at.
        var checks = new List<((string Kind, string Id) Area, DateOnly Day)>();
        foreach (var (area, (_, members, _)) in candidates)
        {
            var last = members.Min(j => asOf ?? LocalDays.Of(now, areas.Zones[j]));
            var first = last.AddDays(1 - spikeDays);
            if (!change.Everything)
            {
                (first, last) = (first > change.FirstDay ? first : change.FirstDay, last < change.LastDay ? last : change.LastDay);
            }

            for (var day = first; day <= last; day = day.AddDays(1))
            {
                checks.Add((area, day));
            }
        }

        if (checks.Count == 0)
        {
            return [];
        }

        var memberArea = new List<int>();
        var memberCounty = new List<string>();
        for (var c = 0; c < checks.Count; c++)
        {
            foreach (var j in candidates[checks[c].Area].Members)
            {
                memberArea.Add(c);
                memberCounty.Add(areas.Geoids[j]);
            }
        }

        var alerts = new List<NewAlert>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var count = new NpgsqlCommand($"""
            SELECT d.c, (SELECT count(*)::int FROM unnest($1::int[], $2::text[]) AS m (c, county)
                         JOIN overdose_events e ON e.county_fips = m.county AND e.local_day = d.day
                         WHERE m.c = d.c AND {Shared})
            FROM unnest($3::date[]) WITH ORDINALITY AS d (day, c)
            """, connection))
        {
            count.Parameters.AddWithValue(memberArea.Select(c => c + 1).ToArray());
            count.Parameters.AddWithValue(memberCounty.ToArray());
            count.Parameters.AddWithValue(checks.Select(c => c.Day).ToArray());
            await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (area, day) = checks[(int)reader.GetInt64(0) - 1];
                var observed = reader.GetInt32(1);
                var (name, _, threshold) = candidates[area];
                if (observed >= threshold)
                {
                    alerts.Add(new NewAlert(area.Kind, area.Id, name, "threshold", day, observed, null, observed, threshold));
                }
            }
        }

        if (alerts.Count == 0)
        {
            return [];
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var added = await AlertStore.AddAsync(connection, transaction, null, alerts, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. alerts.Where(a => added.Contains(a.Id))];
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Alerts;

/// <summary>A spike found by a run: an area's count on a day above what a method expects.</summary>
/// <param name="AreaKind">county, hidta or county_neighbors (a county with its queen neighbours).</param>
/// <param name="AreaId">The county's FIPS code or the HIDTA's id.</param>
/// <param name="AreaName">The area's name.</param>
/// <param name="Method">ears_c1, ears_c2, ears_c3, ewma or threshold.</param>
/// <param name="Day">The day: the area's local date (docs/adr/0021-local-days.md; an area spanning two zones counts each member county's own local day).</param>
/// <param name="Observed">The day's count.</param>
/// <param name="Expected">The baseline's mean, when the method has one.</param>
/// <param name="Statistic">The method's statistic.</param>
/// <param name="Threshold">What the statistic had to exceed (for drug_share_rise, what it had to fall below).</param>
/// <param name="Drug">The drug it is about (novel_substance, drug_share_rise); null for the methods over all overdoses.</param>
public sealed record NewAlert(
    string AreaKind, string AreaId, string? AreaName, string Method, DateOnly Day, int Observed, double? Expected, double? Statistic, double? Threshold,
    string? Drug = null)
{
    /// <summary>
    /// The alert's stable id: <c>al_</c> and 16 hex digits of the SHA-256 of area kind, area id,
    /// method (with <c>:drug</c> for a drug's alert) and day, so every run that finds the same day gives it the same id.
    /// </summary>
    public string Id => IdOf(AreaKind, AreaId, Drug is null ? Method : $"{Method}:{Drug}", Day);

    /// <summary>The stable id of an alert.</summary>
    /// <param name="areaKind">The area's kind.</param>
    /// <param name="areaId">The area's id.</param>
    /// <param name="method">The method.</param>
    /// <param name="day">The day.</param>
    /// <returns>The id.</returns>
    public static string IdOf(string areaKind, string areaId, string method, DateOnly day)
    {
        var text = string.Join('|', areaKind, areaId, method, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return "al_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}

/// <summary>Stores alerts once each and queues them for the webhooks that asked for them.</summary>
public static class AlertStore
{
    /// <summary>
    /// The transaction-scoped advisory lock that serialises the storing of alerts, so that the
    /// order of <c>seq</c> is the order in which alerts become visible: a reader that has seen
    /// <c>seq</c> N has seen everything below it and may ask for <c>seq &gt; N</c> next.
    /// </summary>
    public const long SequenceLock = 0x67656F6F72735F61; // "geoors_a"

    /// <summary>
    /// Adds the alerts not stored before (by <see cref="NewAlert.Id"/>), queues each new one in
    /// <c>webhook_outbox</c> for every subscription whose area and methods match, and notifies
    /// channel <c>geoors_data</c> with <c>alerts</c> at commit when any was new. Takes
    /// <see cref="SequenceLock"/> until the transaction ends: another transaction storing alerts
    /// waits for this one to commit, so their <c>seq</c> values cannot become visible out of order.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The run's transaction.</param>
    /// <param name="runId">The run that found them.</param>
    /// <param name="alerts">The alerts found.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>The ids of the alerts that were new.</returns>
    public static async Task<IReadOnlyList<string>> AddAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long? runId, IReadOnlyList<NewAlert> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand("""
            WITH serialised AS (
                SELECT pg_advisory_xact_lock($12)
            ),
            input AS (
                SELECT t.* FROM serialised, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::int[],
                                                   $9::float8[], $10::float8[], $11::float8[], $13::text[])
                         AS t(id, area_kind, area_id, area_name, method, day, observed, expected, statistic, threshold, drug)
            ),
            added AS (
                INSERT INTO alerts (id, run_id, area_kind, area_id, area_name, method, day, observed, expected, statistic, threshold, drug)
                SELECT id, $1, area_kind, area_id, area_name, method, day, observed, expected, statistic, threshold, drug FROM input
                ORDER BY day, area_kind, area_id, method
                ON CONFLICT DO NOTHING
                RETURNING id, area_kind, area_id, method
            ),
            queued AS (
                INSERT INTO webhook_outbox (webhook_id, alert_id)
                SELECT w.id, a.id FROM added a JOIN webhooks w
                  ON (w.area_kind IS NULL OR (w.area_kind = a.area_kind AND w.area_id = a.area_id))
                 AND (cardinality(w.methods) = 0 OR a.method = ANY (w.methods))
                ON CONFLICT DO NOTHING
            )
            SELECT id FROM added
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)runId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. alerts.Select(a => a.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. alerts.Select(a => a.AreaKind)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. alerts.Select(a => a.AreaId)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. alerts.Select(a => a.AreaName)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. alerts.Select(a => a.Method)] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. alerts.Select(a => a.Day)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. alerts.Select(a => a.Observed)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = [.. alerts.Select(a => a.Expected)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = [.. alerts.Select(a => a.Statistic)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = [.. alerts.Select(a => a.Threshold)] });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = SequenceLock });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. alerts.Select(a => a.Drug)] });
        var added = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                added.Add(reader.GetString(0));
            }
        }

        if (added.Count > 0)
        {
            await using var notify = new NpgsqlCommand("SELECT pg_notify('geoors_data', 'alerts')", connection, transaction);
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return added;
    }
}

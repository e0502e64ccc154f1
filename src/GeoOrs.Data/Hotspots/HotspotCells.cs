using GeoOrs.Data.Access;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Hotspots;

/// <summary>A cell of a hot spot run as served: for the public (<see cref="Suppressed"/>) without counts or statistics.</summary>
/// <param name="Scale">hex, county, emerging or heat.</param>
/// <param name="Id">The cell's id at its scale.</param>
/// <param name="Events">Its events, or null for the public.</param>
/// <param name="Suppressed">Whether counts and statistics are withheld.</param>
/// <param name="Z">Gi* z-score.</param>
/// <param name="P">Its p-value.</param>
/// <param name="Bin">The hot/cold confidence bin.</param>
/// <param name="Category">The emerging hot spot category.</param>
/// <param name="TrendZ">Mann–Kendall trend z.</param>
/// <param name="TrendP">Its p-value.</param>
/// <param name="Density">Events per km² (two significant figures for the public).</param>
public sealed record HotspotCell(
    string Scale, string Id, int? Events, bool Suppressed, double? Z, double? P, int? Bin, string? Category, double? TrendZ, double? TrendP, double? Density);

/// <summary>The cells of a stored run (<c>hotspot_cells</c>), strongest first.</summary>
public static class HotspotCells
{
    /// <summary>A run's cells, by |z| then density.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="runId">The run.</param>
    /// <param name="scale">One scale, or null for all.</param>
    /// <param name="suppress">
    /// The public's view: bins, categories and two-figure densities only, and no hex cell of fewer
    /// than <see cref="AccessView.SuppressBelow"/> events.
    /// </param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The cells.</returns>
    public static async Task<IReadOnlyList<HotspotCell>> ListAsync(
        NpgsqlDataSource dataSource, long runId, string? scale, bool suppress, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand($"""
            SELECT scale, cell_id, events, z, p, bin, category, trend_z, trend_p,
                   CASE WHEN $3 THEN {PublicStatistics.TwoFigures("density")} ELSE density END FROM hotspot_cells
            WHERE run_id = $1 AND ($2::text IS NULL OR scale = $2)
              AND (NOT $3 OR scale = 'county' OR events >= {AccessView.SuppressBelow})
            ORDER BY abs(z) DESC NULLS LAST, density DESC NULLS LAST, scale, cell_id
            LIMIT $4
            """);
        command.Parameters.AddWithValue(runId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)scale ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(suppress);
        command.Parameters.AddWithValue(limit);
        var cells = new List<HotspotCell>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            double? Nullable(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);
            var density = Nullable(9);
            cells.Add(suppress
                ? new HotspotCell(reader.GetString(0), reader.GetString(1), null, true, null, null, reader.IsDBNull(5) ? null : reader.GetInt16(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6), null, null, density)
                : new HotspotCell(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), false,
                    Nullable(3), Nullable(4), reader.IsDBNull(5) ? null : reader.GetInt16(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    Nullable(7), Nullable(8), density));
        }

        return cells;
    }
}

using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// What ingest does with one row that depends on the row's kind: build it, read its key, time and
/// point, write its own columns to the COPY and count it in the tallies. Static members of a struct per
/// kind (<see cref="OverdoseRows"/>, <see cref="SeizureRows"/>): <see cref="Ingestor"/>'s one code path
/// takes the struct as a type argument and is compiled once for each kind, so a row pays no virtual
/// call and no type test for its kind.
/// </summary>
/// <typeparam name="TRow">The kind's row.</typeparam>
internal interface IEventRows<TRow>
    where TRow : class
{
    /// <summary>The kind's tables and names.</summary>
    static abstract EventKindInfo Kind { get; }

    /// <summary>Builds the row of a record, or adds its problems to <paramref name="errors"/> and returns null.</summary>
    static abstract TRow? Build(RowBuilder builder, SourceRecord record, List<RowError> errors);

    /// <summary>What every event has: the agency and external id it is stored under, when and where it happened, its county.</summary>
    static abstract EventHead Head(TRow row);

    /// <summary>Writes the kind's own columns, in the order of <see cref="EventKindInfo.CopySql"/>.</summary>
    static abstract void WriteOwn(NpgsqlBinaryImporter copy, TRow row);

    /// <summary>Counts a stored row in the batch's county aggregates and cluster cells, on its local day (<paramref name="day"/>).</summary>
    static abstract void Tally(AggregateTally tally, CellTally cells, TRow row, string? county, DateOnly day, int recordKey, double maskedLon, double maskedLat);
}

/// <summary>The columns every event has, whatever its kind (a view of its row, not stored).</summary>
/// <param name="Agency">The agency it is stored under.</param>
/// <param name="ExternalId">The sender's id.</param>
/// <param name="At">When it happened.</param>
/// <param name="Lon">Longitude (EPSG:4326), true.</param>
/// <param name="Lat">Latitude (EPSG:4326), true.</param>
/// <param name="County">The county (GEOID) its point is in, or null.</param>
internal readonly record struct EventHead(string Agency, string ExternalId, DateTimeOffset At, double Lon, double Lat, string? County);

/// <summary>Overdoses as ingest handles them row by row.</summary>
internal readonly struct OverdoseRows : IEventRows<OverdoseRow>
{
    public static EventKindInfo Kind => EventKindInfo.Overdoses;

    public static OverdoseRow? Build(RowBuilder builder, SourceRecord record, List<RowError> errors) => builder.Overdose(record, errors);

    public static EventHead Head(OverdoseRow row) => new(row.Agency, row.ExternalId, row.OccurredAt, row.Lon, row.Lat, row.County);

    public static void WriteOwn(NpgsqlBinaryImporter copy, OverdoseRow row)
    {
        copy.Write(row.LocationPrecision, NpgsqlDbType.Text);
        copy.Write(row.Fatal, NpgsqlDbType.Boolean);
        CopyValues.WriteNullable(copy, row.NaloxoneAdministered, NpgsqlDbType.Boolean);
        CopyValues.WriteNullable(copy, row.NaloxoneDoses, NpgsqlDbType.Smallint);
        copy.Write(row.SuspectedDrugs, NpgsqlDbType.Array | NpgsqlDbType.Text);
        CopyValues.WriteText(copy, row.AgeBand);
        CopyValues.WriteText(copy, row.Sex);
    }

    public static void Tally(AggregateTally tally, CellTally cells, OverdoseRow row, string? county, DateOnly day, int recordKey, double maskedLon, double maskedLat)
    {
        tally.Add(row, county, day, recordKey);
        cells.Add(row, day, maskedLon, maskedLat);
    }
}

/// <summary>Seizures as ingest handles them row by row.</summary>
internal readonly struct SeizureRows : IEventRows<SeizureRow>
{
    public static EventKindInfo Kind => EventKindInfo.Seizures;

    public static SeizureRow? Build(RowBuilder builder, SourceRecord record, List<RowError> errors) => builder.Seizure(record, errors);

    public static EventHead Head(SeizureRow row) => new(row.Agency, row.ExternalId, row.SeizedAt, row.Lon, row.Lat, row.County);

    public static void WriteOwn(NpgsqlBinaryImporter copy, SeizureRow row)
    {
        copy.Write(row.Drug, NpgsqlDbType.Text);
        copy.Write(row.Quantity, NpgsqlDbType.Double);
        copy.Write(row.Unit, NpgsqlDbType.Text);
        CopyValues.WriteNullable(copy, row.Grams, NpgsqlDbType.Double);
        CopyValues.WriteNullable(copy, row.DosageUnits, NpgsqlDbType.Double);
        CopyValues.WriteText(copy, row.CaseReference);
    }

    public static void Tally(AggregateTally tally, CellTally cells, SeizureRow row, string? county, DateOnly day, int recordKey, double maskedLon, double maskedLat)
    {
        tally.Add(row, county, day, recordKey);
        cells.Add(row, day, maskedLon, maskedLat);
    }
}

/// <summary>Values that may be null, written to a binary COPY.</summary>
internal static class CopyValues
{
    /// <summary>Writes text, or NULL.</summary>
    public static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }

    /// <summary>Writes a value, or NULL.</summary>
    public static void WriteNullable<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            copy.Write(v, type);
        }
        else
        {
            copy.WriteNull();
        }
    }
}

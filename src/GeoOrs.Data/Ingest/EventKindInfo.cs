namespace GeoOrs.Data.Ingest;

/// <summary>
/// What differs between overdoses and seizures where ingest reads and stores them: the kind's name,
/// its event table and the columns of its own, the fields that name its agency and time, its daily and
/// monthly aggregate tables and their measures, and its cluster cell table. Static data, one instance
/// per kind (<see cref="Of"/>); the names are the allow-list the SQL built from them draws on.
/// </summary>
public sealed class EventKindInfo
{
    /// <summary>Overdose events.</summary>
    public static EventKindInfo Overdoses { get; } = new(
        EventKind.Overdoses, "overdoses", "overdose_events", "source_agency", "occurred_at",
        ["location_precision", "fatal", "naloxone_administered", "naloxone_doses", "suspected_drugs", "age_band", "sex"],
        ["external_id", "occurred_at", "lat", "lon", "location_precision", "fatal", "naloxone_administered", "naloxone_doses", "suspected_drugs", "age_band", "sex", "source_agency"],
        "overdose", ["events", "fatal", "naloxone", "fatal_naloxone"], [],
        "overdose_cells", ["n", "f", "x", "fx", "sx", "sy", "fsx", "fsy"]);

    /// <summary>Drug seizure events.</summary>
    public static EventKindInfo Seizures { get; } = new(
        EventKind.Seizures, "seizures", "seizure_events", "agency", "seized_at",
        ["drug", "quantity", "unit", "quantity_grams", "dosage_units", "case_reference"],
        ["external_id", "seized_at", "lat", "lon", "drug", "quantity", "unit", "case_reference", "agency"],
        "seizure", ["events"], ["grams", "dosage_units"],
        "seizure_cells", ["n", "g", "sx", "sy"]);

    private EventKindInfo(
        EventKind kind, string name, string eventTable, string agencyField, string timeField, string[] ownColumns, string[] canonicalFields,
        string aggregates, string[] countMeasures, string[] amountMeasures, string cellTable, string[] cellMeasures)
    {
        Kind = kind;
        Name = name;
        EventTable = eventTable;
        AgencyField = agencyField;
        TimeField = timeField;
        CopySql = $"COPY {eventTable} (id, {agencyField}, external_id, {timeField}, geom, masked_geom, {string.Join(", ", ownColumns)}, "
            + "county_fips, hidta_id, batch_id, key_prefix, rkey, local_day) FROM STDIN (FORMAT BINARY)";
        CanonicalFields = canonicalFields;
        Aggregates = aggregates;
        CountMeasures = countMeasures;
        AmountMeasures = amountMeasures;
        AggregateMeasures = string.Join(", ", countMeasures.Concat(amountMeasures));
        AggregateKeys = string.Join(", ", countMeasures.Select(m => $"{m}_key"));
        CellTable = cellTable;
        CellMeasures = cellMeasures;
    }

    /// <summary>The descriptor of a kind.</summary>
    /// <param name="kind">Overdoses or seizures.</param>
    /// <returns>Its descriptor.</returns>
    public static EventKindInfo Of(EventKind kind) => kind == EventKind.Overdoses ? Overdoses : Seizures;

    /// <summary>The kind of data these events are, whose version their changes move on.</summary>
    public Tiles.DataKind Data => Kind == EventKind.Overdoses ? Tiles.DataKind.Overdoses : Tiles.DataKind.Seizures;

    /// <summary>The kind.</summary>
    public EventKind Kind { get; }

    /// <summary>
    /// <c>overdoses</c> or <c>seizures</c>: the kind as batches, column mappings and the data versions
    /// (<c>geoors_bump</c>) name it, and in the names of its SQL files (<c>ingest_overdoses_existing</c>).
    /// </summary>
    public string Name { get; }

    /// <summary>The table of the kind's events (<c>overdose_events</c>).</summary>
    public string EventTable { get; }

    /// <summary>The canonical field, and the event table's column, of the agency an event is stored under (<c>source_agency</c>, <c>agency</c>).</summary>
    public string AgencyField { get; }

    /// <summary>The canonical field, and the event table's column, of when the event happened (<c>occurred_at</c>, <c>seized_at</c>).</summary>
    public string TimeField { get; }

    /// <summary>The canonical fields of the kind, as a file with the canonical headers names them.</summary>
    public IReadOnlyList<string> CanonicalFields { get; }

    /// <summary>
    /// The binary COPY into <see cref="EventTable"/>: the columns every event has (id, agency, external
    /// id, time, true and masked point), the kind's own, then county, HIDTA, batch, key prefix, record
    /// key and local day — in the order ingest writes them.
    /// </summary>
    internal string CopySql { get; }

    /// <summary>The stem of the daily and monthly aggregate tables (<c>overdose</c>: <c>overdose_daily</c>, <c>overdose_monthly</c>).</summary>
    internal string Aggregates { get; }

    /// <summary>The aggregates' count measures (integer arrays), each with a record-key sum in the monthly table (<see cref="AggregateKeys"/>).</summary>
    internal IReadOnlyList<string> CountMeasures { get; }

    /// <summary>The aggregates' amount measures (double precision arrays): none for overdoses.</summary>
    internal IReadOnlyList<string> AmountMeasures { get; }

    /// <summary>The aggregates' measures as their columns are listed: the count measures, then the amount measures.</summary>
    internal string AggregateMeasures { get; }

    /// <summary>The monthly aggregates' record-key sums as their columns are listed, one per count measure (<c>events_key</c>, …).</summary>
    internal string AggregateKeys { get; }

    /// <summary>The cluster cell table (<c>overdose_cells</c>).</summary>
    internal string CellTable { get; }

    /// <summary>The cluster cell table's measures, in its column order.</summary>
    internal IReadOnlyList<string> CellMeasures { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

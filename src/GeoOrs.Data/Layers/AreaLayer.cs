using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using GeoOrs.Data.Access;

namespace GeoOrs.Data.Layers;

/// <summary>
/// An area layer (counties, states, HIDTA regions) with its overdose and seizure measures for a
/// <see cref="LayerQuery"/>, summed from the daily and monthly county aggregates. The SQL is composed
/// here from small pieces, pg_featureserv's way: the caller says which areas (a tile's, a page of
/// features, all of them) and what to select from them; the measures are the same for every caller.
/// </summary>
/// <param name="Id">The layer's name in URLs and tiles, and its <c>tile_shapes.layer</c>.</param>
/// <param name="Table">The boundary table (alias <c>t</c>).</param>
/// <param name="Key">The table's key column.</param>
/// <param name="Attributes">Attribute name → SQL expression over <c>t</c>, in output order.</param>
/// <param name="CountiesOf">SQL giving <c>(area, county_fips)</c> for the areas in CTE <c>areas(area_id)</c>.</param>
public sealed record AreaLayer(string Id, string Table, string Key, IReadOnlyList<KeyValuePair<string, string>> Attributes, string CountiesOf)
{
    /// <summary>The measures every area carries, with their TileJSON field types.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Measures =
    [
        new("population", "Number"),
        new("overdoses", "Number"),
        new("fatal", "Number"),
        new("nonfatal", "Number"),
        new("naloxone", "Number"),
        new("rate", "Number"),
        new("fatal_rate", "Number"),
        new("seizures", "Number"),
        new("seizure_grams", "Number"),
        new("seizure_dosage_units", "Number"),
        new("rate_unstable", "Boolean"),
        new("fatal_rate_unstable", "Boolean"),
        new("suppressed", "Boolean"),
    ];

    /// <summary>The measures that are counts of events, suppressed from 1 to 9 for the public.</summary>
    public static readonly IReadOnlyList<string> Counts = ["overdoses", "fatal", "nonfatal", "naloxone", "seizures"];

    /// <summary>The area layers, by id.</summary>
    public static readonly FrozenDictionary<string, AreaLayer> All = new AreaLayer[]
    {
        new("counties", "counties", "geoid",
            [new("geoid", "t.geoid"), new("name", "t.name"), new("statefp", "t.statefp")],
            "SELECT a.area_id AS area, a.area_id::bpchar AS county_fips FROM areas a"),
        new("states", "states", "statefp",
            [new("statefp", "t.statefp"), new("stusps", "t.stusps"), new("name", "t.name")],
            "SELECT a.area_id AS area, c.geoid AS county_fips FROM areas a JOIN counties c ON c.statefp = a.area_id::bpchar"),
        new("hidta", "hidta_regions", "id",
            [new("id", "t.id"), new("name", "t.name")],
            "SELECT a.area_id AS area, h.geoid AS county_fips FROM areas a JOIN hidta_counties h ON h.hidta_id = a.area_id"),
    }.ToFrozenDictionary(l => l.Id, StringComparer.Ordinal);

    /// <summary>The area layers by the kind of area the API names in its routes: county, hidta, state.</summary>
    public static readonly FrozenDictionary<string, AreaLayer> ByKind = new Dictionary<string, AreaLayer>
    {
        ["county"] = All["counties"],
        ["hidta"] = All["hidta"],
        ["state"] = All["states"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Per member county, the measures' drug slot summed over the window: the whole months from the
    /// monthly table, the days at either end from the daily table, each a range scan of the table's
    /// primary key (county, day) per member county. The record-key sums (<paramref name="keys"/>) are
    /// kept by the monthly table only: they are read for the public, whose windows are whole months.
    /// </summary>
    private static string WindowSums(string kind, IReadOnlyList<(string Column, string Alias)> measures, IReadOnlyList<(string Column, string Alias)> keys)
    {
        var monthly = string.Join(", ", measures.Concat(keys).Select(m => $"a.{m.Column}[@slot] AS {m.Alias}"));
        var daily = string.Join(", ", measures.Select(m => $"a.{m.Column}[@slot] AS {m.Alias}").Concat(keys.Select(k => $"0::bigint AS {k.Alias}")));
        return $"""
            SELECT county_fips, {string.Join(", ", measures.Concat(keys).Select(m => $"sum({m.Alias}) AS {m.Alias}"))}
            FROM (
                SELECT a.county_fips, {monthly} FROM members mb JOIN {kind}_monthly a
                    ON a.county_fips = mb.county_fips AND a.month >= @m_from AND a.month < @m_to
                UNION ALL
                SELECT a.county_fips, {daily} FROM members mb JOIN {kind}_daily a
                    ON a.county_fips = mb.county_fips AND a.day >= @d1_from AND a.day < @d1_to
                UNION ALL
                SELECT a.county_fips, {daily} FROM members mb JOIN {kind}_daily a
                    ON a.county_fips = mb.county_fips AND a.day >= @d2_from AND a.day < @d2_to
            ) w
            GROUP BY county_fips
            """;
    }

    /// <summary>
    /// Per member county, the events in the window of the agencies hidden from the caller
    /// (<c>@hidden</c>, by their sharing rules), to take off the aggregates: read through the events'
    /// (agency, local day) index, so an empty list costs nothing. The window is compared with the
    /// events' local days, as the aggregates count them, and bounds their time, which prunes the
    /// monthly partitions (<see cref="Ingest.EventPartitions.TimeBound"/>).
    /// </summary>
    private const string HiddenSums = """
        hidden_overdoses AS (
            SELECT e.county_fips, count(*) AS n, count(*) FILTER (WHERE e.fatal) AS f,
                   count(*) FILTER (WHERE e.naloxone_administered) AS x,
                   count(*) FILTER (WHERE e.fatal AND e.naloxone_administered) AS fx,
                   sum(e.rkey::bigint) AS kn, coalesce(sum(e.rkey::bigint) FILTER (WHERE e.fatal), 0) AS kf,
                   coalesce(sum(e.rkey::bigint) FILTER (WHERE e.naloxone_administered), 0) AS kx,
                   coalesce(sum(e.rkey::bigint) FILTER (WHERE e.fatal AND e.naloxone_administered), 0) AS kfx
            FROM overdose_events e
            WHERE e.source_agency = ANY (@hidden) AND e.local_day >= @day_from AND e.local_day < @day_end
              AND e.occurred_at >= (@day_from - 1)::timestamp AT TIME ZONE 'UTC' AND e.occurred_at < (@day_end + 1)::timestamp AT TIME ZONE 'UTC'
              AND (@drug::text IS NULL OR @drug = ANY (e.suspected_drugs))
              AND e.county_fips IN (SELECT county_fips FROM members)
            GROUP BY e.county_fips
        ),
        hidden_seizures AS (
            SELECT e.county_fips, count(*) AS n, coalesce(sum(e.quantity_grams), 0) AS g, coalesce(sum(e.dosage_units), 0) AS u,
                   sum(e.rkey::bigint) AS k
            FROM seizure_events e
            WHERE e.agency = ANY (@hidden) AND e.local_day >= @day_from AND e.local_day < @day_end
              AND e.seized_at >= (@day_from - 1)::timestamp AT TIME ZONE 'UTC' AND e.seized_at < (@day_end + 1)::timestamp AT TIME ZONE 'UTC'
              AND (@drug::text IS NULL OR e.drug = @drug)
              AND e.county_fips IN (SELECT county_fips FROM members)
            GROUP BY e.county_fips
        ),
        """;

    private const string HiddenJoins = """
        LEFT JOIN hidden_overdoses ho ON ho.county_fips = mb.county_fips
        LEFT JOIN hidden_seizures hz ON hz.county_fips = mb.county_fips
        """;

    /// <summary>A measure summed over an area's counties, less the hidden agencies' part when there is one.</summary>
    private static string Sum(string all, string hidden, bool hiding) =>
        hiding ? $"(coalesce(sum({all}), 0) - coalesce(sum({hidden}), 0))" : $"coalesce(sum({all}), 0)";

    /// <summary>
    /// What the caller is shown of each count. Keyed roles: the count. The public (<c>@suppress</c>):
    /// the count perturbed by its cell key (<c>geoors_public_count</c>, migration 0016; docs/ACCESS.md),
    /// withheld when that is 1–9. A cell is named by layer, area, window, measure and drug, which keys
    /// the cells that count no event; a measure the filter makes zero (fatal for non-fatal overdoses)
    /// is a plain 0. Rates go with their counts and come from the published counts; seizure
    /// quantities go with the seizure count and are rounded to two significant figures for the public.
    /// </summary>
    private string Published => $"""
        cell_secret AS (SELECT secret FROM access_secrets WHERE name = 'cellkey'),
        published AS (
            SELECT m.*,
                   CASE WHEN @suppress THEN geoors_public_count(m.overdoses, m.k_o, c.cell || (CASE WHEN @fatal IS NULL THEN 'n' WHEN @fatal THEN 'f' ELSE 'nf' END), cs.secret)
                        ELSE m.overdoses END AS p_o,
                   CASE WHEN @suppress AND @fatal IS DISTINCT FROM false THEN geoors_public_count(m.fatal, m.k_f, c.cell || 'f', cs.secret) ELSE m.fatal END AS p_f,
                   CASE WHEN @suppress AND @fatal IS DISTINCT FROM true THEN geoors_public_count(m.nonfatal, m.k_n, c.cell || 'nf', cs.secret) ELSE m.nonfatal END AS p_n,
                   CASE WHEN @suppress THEN geoors_public_count(m.naloxone, m.k_x, c.cell || (CASE WHEN @fatal IS NULL THEN 'x' WHEN @fatal THEN 'xf' ELSE 'xn' END), cs.secret)
                        ELSE m.naloxone END AS p_x,
                   CASE WHEN @suppress THEN geoors_public_count(m.seizures, m.k_z, c.cell || 'z', cs.secret) ELSE m.seizures END AS p_z
            FROM area_measures m
            LEFT JOIN cell_secret cs ON @suppress
            CROSS JOIN LATERAL (SELECT '{Id}:' || m.area || ':' || @cell_window || ':' || @slot || ':' AS cell) c
        ),
        shown AS (
            SELECT m.*, @suppress AND m.p_o BETWEEN 1 AND 9 AS h_o, @suppress AND m.p_f BETWEEN 1 AND 9 AS h_f,
                   @suppress AND m.p_n BETWEEN 1 AND 9 AS h_n, @suppress AND m.p_x BETWEEN 1 AND 9 AS h_x,
                   @suppress AND m.p_z BETWEEN 1 AND 9 AS h_z
            FROM published m
        ),
        """;

    /// <summary>A seizure quantity as the caller sees it: to two significant figures for the public.</summary>
    private static string Quantity(string column) =>
        $"CASE WHEN @suppress AND m.{column} > 0 THEN round(m.{column}::numeric, 1 - floor(log(m.{column}::numeric))::int)::double precision ELSE m.{column} END";

    /// <summary>Every column a selection over <see cref="WithMeasures"/> can name: the attributes then the measures.</summary>
    public IEnumerable<string> Columns => Attributes.Select(a => a.Key).Concat(Measures.Select(m => m.Key));

    /// <summary>
    /// A query over the layer's areas with their measures: <paramref name="areas"/> is a SELECT giving
    /// the areas' ids as text in column <c>area_id</c> (and whatever else the final SELECT needs), and
    /// <paramref name="select"/> a SELECT over <c>areas a</c> joined to <c>area_measures m</c> (by
    /// <c>m.area = a.area_id</c>) and the boundary table <c>t</c>, all three joined for it in CTE
    /// <c>rows</c> that carries every column of <see cref="Columns"/> and <c>a.*</c>.
    /// Takes the parameters <see cref="LayerQuery.Bind"/> binds.
    /// </summary>
    /// <param name="areas">The SELECT of areas.</param>
    /// <param name="select">The final SELECT over <c>rows</c>.</param>
    /// <param name="hiding">
    /// Whether agencies' events are hidden from the caller (<c>@hidden</c> not empty): only then is
    /// their part taken off the sums. Without it the statement is smaller, and quicker to plan, which
    /// each tile's statement is (custom plans).
    /// </param>
    /// <returns>The SQL.</returns>
    public string WithMeasures(string areas, string select, bool hiding)
    {
        var attributes = new StringBuilder();
        foreach (var (name, expression) in Attributes)
        {
            attributes.Append(CultureInfo.InvariantCulture, $"{expression} AS \"{name}\", ");
        }

        return $"""
            WITH areas AS ({areas}),
            members AS ({CountiesOf}),
            overdose_sums AS ({WindowSums("overdose", [("events", "n"), ("fatal", "f"), ("naloxone", "x"), ("fatal_naloxone", "fx")],
                [("events_key", "kn"), ("fatal_key", "kf"), ("naloxone_key", "kx"), ("fatal_naloxone_key", "kfx")])}),
            seizure_sums AS ({WindowSums("seizure", [("events", "n"), ("grams", "g"), ("dosage_units", "u")], [("events_key", "k")])}),
            {(hiding ? HiddenSums : "")}
            area_sums AS (
                SELECT mb.area, sum(p.population)::bigint AS population,
                       {Sum("o.n", "ho.n", hiding)}::bigint AS n, {Sum("o.f", "ho.f", hiding)}::bigint AS f,
                       {Sum("o.x", "ho.x", hiding)}::bigint AS x, {Sum("o.fx", "ho.fx", hiding)}::bigint AS fx,
                       {Sum("o.kn", "ho.kn", hiding)}::bigint AS kn, {Sum("o.kf", "ho.kf", hiding)}::bigint AS kf,
                       {Sum("o.kx", "ho.kx", hiding)}::bigint AS kx, {Sum("o.kfx", "ho.kfx", hiding)}::bigint AS kfx,
                       {Sum("z.n", "hz.n", hiding)}::bigint AS zn, {Sum("z.k", "hz.k", hiding)}::bigint AS kz,
                       greatest({Sum("z.g", "hz.g", hiding)}, 0) AS zg,
                       greatest({Sum("z.u", "hz.u", hiding)}, 0) AS zu
                FROM members mb
                LEFT JOIN LATERAL (SELECT cp.population FROM county_population cp
                                   WHERE cp.geoid = mb.county_fips ORDER BY cp.year DESC LIMIT 1) p ON true
                LEFT JOIN overdose_sums o ON o.county_fips = mb.county_fips
                LEFT JOIN seizure_sums z ON z.county_fips = mb.county_fips
                {(hiding ? HiddenJoins : "")}
                GROUP BY mb.area
            ),
            area_measures AS (
                SELECT area, population,
                       CASE WHEN @fatal IS NULL THEN n WHEN @fatal THEN f ELSE n - f END AS overdoses,
                       CASE WHEN @fatal IS FALSE THEN 0 ELSE f END AS fatal,
                       CASE WHEN @fatal THEN 0 ELSE n - f END AS nonfatal,
                       CASE WHEN @fatal IS NULL THEN x WHEN @fatal THEN fx ELSE x - fx END AS naloxone,
                       zn AS seizures, round(zg::numeric, 3)::double precision AS seizure_grams,
                       round(zu::numeric, 3)::double precision AS seizure_dosage_units,
                       CASE WHEN @fatal IS NULL THEN kn WHEN @fatal THEN kf ELSE kn - kf END AS k_o,
                       kf AS k_f, kn - kf AS k_n,
                       CASE WHEN @fatal IS NULL THEN kx WHEN @fatal THEN kfx ELSE kx - kfx END AS k_x,
                       kz AS k_z
                FROM area_sums
            ),
            {Published}
            rows AS (
                SELECT a.*, {attributes}m.population,
                       CASE WHEN m.h_o THEN NULL ELSE m.p_o END AS overdoses,
                       CASE WHEN m.h_f THEN NULL ELSE m.p_f END AS fatal,
                       CASE WHEN m.h_n THEN NULL ELSE m.p_n END AS nonfatal,
                       CASE WHEN m.h_x THEN NULL ELSE m.p_x END AS naloxone,
                       CASE WHEN m.h_o THEN NULL ELSE round(m.p_o * 100000.0 / nullif(m.population, 0), 2)::double precision END AS rate,
                       CASE WHEN m.h_f THEN NULL ELSE round(m.p_f * 100000.0 / nullif(m.population, 0), 2)::double precision END AS fatal_rate,
                       CASE WHEN m.h_z THEN NULL ELSE m.p_z END AS seizures,
                       CASE WHEN m.h_z THEN NULL ELSE {Quantity("seizure_grams")} END AS seizure_grams,
                       CASE WHEN m.h_z THEN NULL ELSE {Quantity("seizure_dosage_units")} END AS seizure_dosage_units,
                       m.p_o < {AccessView.StableEvents} AS rate_unstable,
                       m.p_f < {AccessView.StableEvents} AS fatal_rate_unstable,
                       (m.h_o OR m.h_f OR m.h_n OR m.h_x OR m.h_z) AS suppressed
                FROM areas a
                JOIN {Table} t ON t.{Key} = a.area_id::bpchar
                LEFT JOIN shown m ON m.area = a.area_id
            )
            {select}
            """;
    }
}

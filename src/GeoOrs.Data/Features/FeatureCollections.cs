using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using GeoOrs.Data.Access;
using GeoOrs.Data.Hotspots;
using GeoOrs.Data.Ingest;
using GeoOrs.Data.Layers;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Features;

/// <summary>A property filter a collection takes as a query parameter.</summary>
/// <param name="Name">The query parameter, also the name of the bound parameter <paramref name="Condition"/> reads.</param>
/// <param name="Condition">SQL over the table (alias <c>t</c>) that reads <c>@Name</c>.</param>
/// <param name="Type">Its OpenAPI schema type: <c>string</c> or <c>boolean</c>.</param>
/// <param name="Description">What it matches, for the API definition.</param>
public sealed record FeatureFilter(string Name, string Condition, string Type, string Description);

/// <summary>One published collection: a table, its id column, its geometry and the allow-listed properties.</summary>
/// <param name="Id">The collection id in URLs.</param>
/// <param name="Title">A human title.</param>
/// <param name="Description">What the features are.</param>
/// <param name="Table">The table (an identifier from this list, never from a request).</param>
/// <param name="IdColumn">The feature id column.</param>
/// <param name="GeometryColumn">The geometry column (EPSG:4326, GiST-indexed).</param>
/// <param name="Properties">Property name → SQL expression over the table (alias <c>t</c>).</param>
public sealed record FeatureCollection(
    string Id, string Title, string Description, string Table, string IdColumn, string GeometryColumn,
    IReadOnlyDictionary<string, string> Properties)
{
    /// <summary>The parameters every collection's items take besides its own: paging, bbox and the format.</summary>
    public static readonly IReadOnlyList<string> CommonParameters = ["bbox", "limit", "offset", "f"];

    /// <summary>The events' time column that <c>datetime</c> filters, or null when the collection has none.</summary>
    public string? TimeColumn { get; init; }

    /// <summary>Whether the id column is a bigint, so a feature id is looked up as a number (a non-number is no feature).</summary>
    public bool NumericId { get; init; }

    /// <summary>The property filters its items take, in the order the API definition lists them.</summary>
    public IReadOnlyList<FeatureFilter> Filters { get; init; } = [];

    /// <summary>
    /// The area layer whose measures for a <see cref="LayerQuery"/> the features carry (its
    /// <see cref="AreaLayer.Columns"/> as properties instead of <see cref="Properties"/>), or null.
    /// </summary>
    public AreaLayer? Layer { get; init; }

    /// <summary>
    /// The reporting agency's column of a collection of events (point-level data, read under the
    /// caller's view: hidden to the public, geomasked for partners, subject to sharing rules), or null.
    /// </summary>
    public string? AgencyColumn { get; init; }

    /// <summary>Whether the features are events (see <see cref="AgencyColumn"/>).</summary>
    public bool PointLevel => AgencyColumn is not null;

    /// <summary>Properties shown only to callers who see case references (law enforcement, admins).</summary>
    public IReadOnlyList<string> CaseProperties { get; init; } = [];

    /// <summary>
    /// Properties (and filters) that tell where an event is more closely than its geomasked point
    /// does — its county, its reporting agency's jurisdiction — and are left out for partners: near a
    /// county line or a city limit they would cut the mask's donut down to the part on the true side.
    /// </summary>
    public IReadOnlyList<string> MaskNarrowing { get; init; } = [];

    /// <summary>
    /// A condition over the table (alias <c>t</c>) that the caller's view puts on every feature, with
    /// the view's parameters (<c>@suppress</c> …), or null.
    /// </summary>
    public string? ViewCondition { get; init; }

    /// <summary>The (table, time column) pairs whose range is the collection's temporal extent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Times { get; init; } = [];

    /// <summary>The query parameters its items take besides <see cref="CommonParameters"/>.</summary>
    public IReadOnlyList<string> Parameters =>
        Layer is not null ? [.. LayerQuery.Names, "datetime"]
        : [.. TimeColumn is null ? [] : new[] { "datetime" }, .. Filters.Select(f => f.Name)];
}

/// <summary>A page of features as GeoJSON, with the counts OGC API – Features reports.</summary>
/// <param name="Json">The features as a JSON array text.</param>
/// <param name="NumberMatched">Features matching the query.</param>
/// <param name="NumberReturned">Features on this page.</param>
/// <param name="Ids">The ids of the features on the page, when they are events (for the audit log).</param>
public sealed record FeaturePage(string Json, long NumberMatched, int NumberReturned, long[]? Ids = null);

/// <summary>
/// The collections GeoOrs publishes through OGC API – Features, registered one by one (nothing is
/// published because a database user can see it), and their queries. SQL is composed from these
/// constants; every value a request gives is a bound parameter. GeoJSON is written by PostGIS's
/// <c>ST_AsGeoJSON</c>.
/// </summary>
public static class FeatureCollections
{
    /// <summary>The drug vocabulary the <c>drug</c> parameters take, in order.</summary>
    public static readonly IReadOnlyList<string> Drugs = [.. AggregateTally.DrugSlots.Keys.Order(StringComparer.Ordinal)];

    private static readonly string DrugList = string.Join(", ", Drugs);

    /// <summary>The published collections, by id.</summary>
    public static readonly FrozenDictionary<string, FeatureCollection> All = new FeatureCollection[]
    {
        new("counties", "US counties", "Census 2018 cartographic boundary counties (1:20M) with their 2019 population",
            "counties", "geoid", "geom", new Dictionary<string, string>
            {
                ["geoid"] = "t.geoid",
                ["name"] = "t.name",
                ["statefp"] = "t.statefp",
                ["population"] = "(SELECT p.population FROM county_population p WHERE p.geoid = t.geoid ORDER BY p.year DESC LIMIT 1)",
                ["aland"] = "t.aland",
                ["awater"] = "t.awater",
            }),
        new("states", "US states", "Census 2018 cartographic boundary states (1:20M)",
            "states", "statefp", "geom", new Dictionary<string, string>
            {
                ["statefp"] = "t.statefp",
                ["stusps"] = "t.stusps",
                ["name"] = "t.name",
                ["aland"] = "t.aland",
                ["awater"] = "t.awater",
            }),
        new("hidta-regions", "HIDTA regions", "High Intensity Drug Trafficking Areas as the union of their member counties (partial, dated lists unless the official one was loaded)",
            "hidta_regions", "id", "geom", new Dictionary<string, string>
            {
                ["id"] = "t.id",
                ["name"] = "t.name",
                ["counties"] = "(SELECT count(*) FROM hidta_counties m WHERE m.hidta_id = t.id)",
            }),
        new("county-aggregates", "County overdose and seizure measures",
            "Every county with its overdoses (fatal, non-fatal, naloxone, per 100,000 of its latest population) and drug seizures " +
            "summed from the daily and monthly aggregates the map layers draw. The window is whole local days, each county's own calendar: 'from' and 'to' " +
            "(YYYY-MM-DD, inclusive), or 'datetime' as a date or a closed interval of dates (2003-01-01/2003-03-31, '..' for an open end; " +
            "date-times are refused). 'drug' counts the events naming a drug; 'fatal' true or false counts only fatal or non-fatal overdoses.",
            "counties", "geoid", "geom", new Dictionary<string, string>())
        {
            Layer = AreaLayer.All["counties"],
            Times = [new("overdose_events", "occurred_at"), new("seizure_events", "seized_at")],
        },
        new("overdose-events", "Overdose events",
            "Suspected and confirmed overdoses as points, at the precision each agency reported (location_precision). " +
            "Filter by 'datetime' (an RFC 3339 instant, a date for its whole UTC day, or an interval), 'drug', 'fatal' and 'agency'.",
            "overdose_events", "id", "geom", new Dictionary<string, string>
            {
                ["id"] = "t.id",
                ["occurred_at"] = Timestamp("t.occurred_at"),
                ["fatal"] = "t.fatal",
                ["naloxone"] = "t.naloxone_administered",
                ["drugs"] = "t.suspected_drugs",
                ["location_precision"] = "CASE WHEN @masked THEN 'geomasked' ELSE t.location_precision END",
                ["county_fips"] = "t.county_fips",
                ["agency"] = "t.source_agency",
            })
        {
            TimeColumn = "occurred_at",
            AgencyColumn = "source_agency",
            MaskNarrowing = ["county_fips", "agency"],
            NumericId = true,
            Times = [new("overdose_events", "occurred_at")],
            Filters =
            [
                new("drug", "@drug = ANY (t.suspected_drugs)", "string", $"overdoses whose suspected drugs include this one: {DrugList}"),
                new("fatal", "t.fatal = @fatal", "boolean", "true for fatal overdoses only, false for non-fatal only"),
                new("agency", "t.source_agency = @agency", "string", "the reporting agency, exactly"),
            ],
        },
        new("seizure-events", "Drug seizures",
            "Drug seizures as points with their quantity as reported and normalised to grams or dosage units. " +
            "Filter by 'datetime' (an RFC 3339 instant, a date for its whole UTC day, or an interval), 'drug' and 'agency'.",
            "seizure_events", "id", "geom", new Dictionary<string, string>
            {
                ["id"] = "t.id",
                ["seized_at"] = Timestamp("t.seized_at"),
                ["drug"] = "t.drug",
                ["quantity"] = "t.quantity",
                ["unit"] = "t.unit",
                ["quantity_grams"] = "t.quantity_grams",
                ["dosage_units"] = "t.dosage_units",
                ["county_fips"] = "t.county_fips",
                ["agency"] = "t.agency",
                ["case_reference"] = "t.case_reference",
            })
        {
            TimeColumn = "seized_at",
            AgencyColumn = "agency",
            MaskNarrowing = ["county_fips", "agency"],
            CaseProperties = ["case_reference"],
            NumericId = true,
            Times = [new("seizure_events", "seized_at")],
            Filters =
            [
                new("drug", "t.drug = @drug", "string", $"seizures of this drug: {DrugList}"),
                new("agency", "t.agency = @agency", "string", "the seizing agency, exactly"),
            ],
        },
        new("hotspots", "Hot spots",
            "The latest hot spot run's cells: hexagons ('hex') with the Gi* z-score, p-value (FDR-corrected) and confidence bin (-3 to 3) " +
            "of their overdose counts, and counties ('county') with those of their rate per 100,000; and the latest emerging hot spot run's " +
            "hexagons ('emerging') with their category and Mann-Kendall trend. The public sees counties, and hexagons holding at least " +
            "10 events, with their bins and categories only (no counts, z, p or trends). Filter by 'scale'.",
            "hotspot_features", "id", "geom", new Dictionary<string, string>
            {
                ["scale"] = "t.scale",
                ["cell"] = "t.cell_id",
                ["events"] = PublicStatistics.Hidden("t.events"),
                ["z"] = PublicStatistics.Hidden("round(t.z::numeric, 4)"),
                ["p"] = PublicStatistics.Hidden("round(t.p::numeric, 6)"),
                ["bin"] = "t.bin",
                ["category"] = "t.category",
                ["trend_z"] = PublicStatistics.Hidden("round(t.trend_z::numeric, 4)"),
                ["trend_p"] = PublicStatistics.Hidden("round(t.trend_p::numeric, 6)"),
                ["run_id"] = "t.run_id",
            })
        {
            ViewCondition = $"(NOT @suppress OR t.scale = 'county' OR t.events >= {AccessView.SuppressBelow})",
            Filters = [new("scale", "t.scale = @scale", "string", "hex, county or emerging")],
        },
        new("heat", "Overdose density",
            "Kernel density of the overdoses of the latest hot spot run's window (quartic kernel, ArcGIS's default bandwidth) at the centres " +
            "of hexagons, in events per square kilometre, with the events within the bandwidth of each centre. The public sees hexagons " +
            "summarising at least 10 events, with densities to two significant figures and no counts.",
            "heat_features", "id", "geom", new Dictionary<string, string>
            {
                ["events"] = PublicStatistics.Hidden("t.events"),
                ["density"] = PublicStatistics.Density("t.density"),
                ["run_id"] = "t.run_id",
            })
        {
            ViewCondition = $"(NOT @suppress OR t.events >= {AccessView.SuppressBelow})",
        },
    }.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);

    /// <summary>The bounding box (west, south, east, north) of a collection's geometries, or null when it is empty.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The extent.</returns>
    public static Task<double[]?> ExtentAsync(NpgsqlDataSource dataSource, FeatureCollection collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return LayerExtent.OfAsync(dataSource, collection.Table, collection.GeometryColumn, cancellationToken);
    }

    /// <summary>The first and last event time of a collection with <see cref="FeatureCollection.Times"/>, or nulls when it has no events.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The time range (UTC).</returns>
    public static async Task<(DateTime? First, DateTime? Last)> TemporalExtentAsync(
        NpgsqlDataSource dataSource, FeatureCollection collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(collection);
        if (collection.Times.Count == 0)
        {
            return (null, null);
        }

        // min and max of an indexed column each read one end of its index.
        var firsts = string.Join(", ", collection.Times.Select(t => $"(SELECT min(e.{t.Value}) FROM {t.Key} e)"));
        var lasts = string.Join(", ", collection.Times.Select(t => $"(SELECT max(e.{t.Value}) FROM {t.Key} e)"));
        await using var command = dataSource.CreateCommand($"SELECT least({firsts}), greatest({lasts})");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.IsDBNull(0) ? null : reader.GetDateTime(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1));
    }

    /// <summary>A page of a collection's features, ordered by id, matching the query.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="query">The bbox, time and property filters, or the layer's window.</param>
    /// <param name="limit">Features per page.</param>
    /// <param name="offset">Features to skip.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <param name="matched">
    /// How many features match the query, when the caller knows it (<see cref="CountAsync"/>, kept
    /// while the data stays the same): the page is then read without counting them again.
    /// </param>
    /// <returns>The page.</returns>
    public static async Task<FeaturePage> ItemsAsync(
        NpgsqlDataSource dataSource, FeatureCollection collection, FeatureQuery query, int limit, long offset, CancellationToken cancellationToken = default, long? matched = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(query);
        var where = Where(collection, query);
        var from = Source(collection);
        // The features are written for the page's rows only, after the offset: written in the page's
        // own select, each skipped row's GeoJSON would be made too (a page at offset 2,000 made 2,100).
        var sql = collection.Layer is { } layer
            ? layer.WithMeasures(
                $"SELECT t.{collection.IdColumn}::text AS area_id, t.{collection.GeometryColumn} AS geom FROM {collection.Table} t " +
                $"WHERE {where} ORDER BY t.{collection.IdColumn} LIMIT @lim OFFSET @off",
                $"""
                SELECT (SELECT count(*) FROM {collection.Table} t WHERE {where}), count(*),
                       coalesce(json_agg({LayerFeatureExpression(layer)} ORDER BY r.area_id), '[]'::json)::text
                FROM rows r
                """, query.View.HiddenAgencies.Count > 0)
            : $"""
                WITH matched AS ({(matched is null ? $"SELECT count(*) AS n FROM {from} t WHERE {where}" : "SELECT @matched::bigint AS n")}),
                     page AS (SELECT t.* FROM {from} t WHERE {where} ORDER BY t.{collection.IdColumn} LIMIT @lim OFFSET @off)
                SELECT (SELECT n FROM matched), count(*), coalesce(json_agg({FeatureExpression(collection, query.View)} ORDER BY t.{collection.IdColumn}), '[]'::json)::text,
                       {(collection.PointLevel ? $"array_agg(t.{collection.IdColumn}::bigint ORDER BY t.{collection.IdColumn})" : "NULL::bigint[]")} FROM page t
                """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<int>("lim", NpgsqlDbType.Integer) { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<long>("off", NpgsqlDbType.Bigint) { TypedValue = offset });
        if (matched is { } known && collection.Layer is null)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("matched", NpgsqlDbType.Bigint) { TypedValue = known });
        }

        Bind(command.Parameters, collection, query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new FeaturePage(reader.GetString(2), reader.GetInt64(0), checked((int)reader.GetInt64(1)),
            collection.Layer is null && !reader.IsDBNull(3) ? reader.GetFieldValue<long[]>(3) : collection.PointLevel ? [] : null);
    }

    /// <summary>How many of a collection's features match a query (a page's <c>numberMatched</c>).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection (of events: one without a <see cref="FeatureCollection.Layer"/>).</param>
    /// <param name="query">The bbox, time and property filters, and the view.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The count.</returns>
    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, FeatureCollection collection, FeatureQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {Source(collection)} t WHERE {Where(collection, query)}");
        Bind(command.Parameters, collection, query);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One feature as GeoJSON, or null.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="featureId">The feature's id.</param>
    /// <param name="query">The layer's window for a collection with a <see cref="FeatureCollection.Layer"/>; otherwise unused.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The Feature's JSON text.</returns>
    public static async Task<string?> ItemAsync(
        NpgsqlDataSource dataSource, FeatureCollection collection, string featureId, FeatureQuery? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(featureId);
        object id = featureId;
        if (collection.NumericId)
        {
            if (!long.TryParse(featureId, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return null;
            }

            id = number;
        }

        var match = collection.NumericId ? $"t.{collection.IdColumn} = @fid" : $"t.{collection.IdColumn}::text = @fid";
        if (collection.ViewCondition is { } viewCondition)
        {
            match += $" AND {viewCondition}";
        }
        var sql = collection.Layer is { } layer
            ? layer.WithMeasures(
                $"SELECT t.{collection.IdColumn}::text AS area_id, t.{collection.GeometryColumn} AS geom FROM {collection.Table} t WHERE {match}",
                $"SELECT {LayerFeatureExpression(layer)}::text FROM rows r", (query ?? FeatureQuery.All).View.HiddenAgencies.Count > 0)
            : $"SELECT {FeatureExpression(collection, (query ?? FeatureQuery.All).View)}::text FROM {Source(collection)} t WHERE {match}";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("fid", id);
        var view = (query ?? FeatureQuery.All).View;
        if (collection.Layer is not null)
        {
            ((query?.Measures ?? LayerQuery.All) with { View = view }).Bind(command.Parameters);
        }
        else
        {
            view.Bind(command.Parameters);
        }

        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>The conditions a query puts on the table (alias <c>t</c>), with named parameters <see cref="Bind"/> binds.</summary>
    private static string Where(FeatureCollection collection, FeatureQuery query)
    {
        var conditions = new List<string>();
        if (collection.ViewCondition is { } viewCondition)
        {
            conditions.Add(viewCondition);
        }

        if (query.Bbox is not null && collection.PointLevel)
        {
            // The shown point decides: for partners the masked one, through its own index.
            var shown = query.View.Points == PointAccess.Geomasked ? "masked_geom" : collection.GeometryColumn;
            conditions.Add($"t.{shown} && ST_MakeEnvelope(@xmin, @ymin, @xmax, @ymax, 4326) " +
                           $"AND ST_Intersects(t.{shown}, ST_MakeEnvelope(@xmin, @ymin, @xmax, @ymax, 4326))");
        }
        else if (query.Bbox is not null)
        {
            conditions.Add($"t.{collection.GeometryColumn} && ST_MakeEnvelope(@xmin, @ymin, @xmax, @ymax, 4326) " +
                           $"AND ST_Intersects(t.{collection.GeometryColumn}, ST_MakeEnvelope(@xmin, @ymin, @xmax, @ymax, 4326))");
        }

        if (collection.TimeColumn is { } time && query.Time is { } interval)
        {
            if (interval.Start is not null)
            {
                conditions.Add($"t.{time} >= @dt_start");
            }

            if (interval.End is not null)
            {
                conditions.Add(interval.EndInclusive ? $"t.{time} <= @dt_end" : $"t.{time} < @dt_end");
            }
        }

        foreach (var filter in collection.Filters)
        {
            if (query.Filters.ContainsKey(filter.Name))
            {
                conditions.Add(filter.Condition);
            }
        }

        return conditions.Count == 0 ? "true" : string.Join(" AND ", conditions);
    }

    private static void Bind(NpgsqlParameterCollection parameters, FeatureCollection collection, FeatureQuery query)
    {
        if (query.Bbox is { } bbox)
        {
            string[] names = ["xmin", "ymin", "xmax", "ymax"];
            for (var i = 0; i < 4; i++)
            {
                parameters.Add(new NpgsqlParameter<double>(names[i], NpgsqlDbType.Double) { TypedValue = bbox[i] });
            }
        }

        if (collection.Layer is not null)
        {
            (query.Measures with { View = query.View }).Bind(parameters);
            return;
        }

        query.View.Bind(parameters);

        if (collection.TimeColumn is not null && query.Time is { } interval)
        {
            if (interval.Start is { } start)
            {
                parameters.Add(new NpgsqlParameter<DateTimeOffset>("dt_start", NpgsqlDbType.TimestampTz) { TypedValue = start });
            }

            if (interval.End is { } end)
            {
                parameters.Add(new NpgsqlParameter<DateTimeOffset>("dt_end", NpgsqlDbType.TimestampTz) { TypedValue = end });
            }
        }

        foreach (var filter in collection.Filters)
        {
            if (query.Filters.TryGetValue(filter.Name, out var value))
            {
                parameters.Add(new NpgsqlParameter(filter.Name, filter.Type == "boolean" ? NpgsqlDbType.Boolean : NpgsqlDbType.Text) { Value = value });
            }
        }
    }

    /// <summary>An RFC 3339 UTC text of a timestamptz, with the fraction of a second only when it has one.</summary>
    private static string Timestamp(string column) =>
        $"CASE WHEN date_trunc('second', {column}) = {column} THEN to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') " +
        $"ELSE rtrim(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '0') || 'Z' END";

    /// <summary>
    /// The rows of a collection: its table, or for events the events the caller may see with the
    /// point shown to them (<c>shown_geom</c>: the stored masked position for partners), none for the public.
    /// </summary>
    private static string Source(FeatureCollection collection) => collection.AgencyColumn is not { } agency
        ? collection.Table
        : $"""
          (SELECT e.*, {AccessView.ShownPoint("e")} AS shown_geom
           FROM {collection.Table} e
           WHERE @points AND NOT (e.{agency} = ANY (@hidden)))
          """;

    /// <summary>The SQL that builds one GeoJSON Feature of a row (alias <c>t</c>) as the view may see it.</summary>
    private static string FeatureExpression(FeatureCollection collection, AccessView view)
    {
        var properties = new StringBuilder();
        var masked = view.Points == PointAccess.Geomasked;
        foreach (var (name, expression) in collection.Properties.Where(p =>
            (view.CaseReferences || !collection.CaseProperties.Contains(p.Key)) && !(masked && collection.MaskNarrowing.Contains(p.Key))))
        {
            properties.Append(CultureInfo.InvariantCulture, $"'{name}', {expression}, ");
        }

        return $"json_build_object('type', 'Feature', 'id', t.{collection.IdColumn}, " +
               $"'geometry', ST_AsGeoJSON(t.{(collection.PointLevel ? "shown_geom" : collection.GeometryColumn)}, 6)::json, " +
               $"'properties', json_build_object({properties.ToString().TrimEnd(',', ' ')}))";
    }

    /// <summary>The SQL that builds one GeoJSON Feature of a row of <see cref="AreaLayer.WithMeasures"/>'s <c>rows</c> (alias <c>r</c>).</summary>
    private static string LayerFeatureExpression(AreaLayer layer) =>
        "json_build_object('type', 'Feature', 'id', r.area_id, 'geometry', ST_AsGeoJSON(r.geom, 6)::json, " +
        $"'properties', json_build_object({string.Join(", ", layer.Columns.Select(c => $"'{c}', r.\"{c}\""))}))";
}

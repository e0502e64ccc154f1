using System.Globalization;
using GeoOrs.Analysis.Projections;

namespace GeoOrs.Data.Ingest;

/// <summary>One rejected row: where, which field and why.</summary>
/// <param name="Line">The line (CSV, NDJSON) or feature number (GeoJSON).</param>
/// <param name="Field">The canonical field, or <c>record</c> for the row as a whole.</param>
/// <param name="Reason">Why, in words a sender can act on.</param>
public sealed record RowError(long Line, string Field, string Reason)
{
    /// <summary>The most characters of a sent value an error quotes.</summary>
    public const int MaxQuoted = 200;

    /// <summary>The most characters of a field name an error keeps.</summary>
    public const int MaxField = 100;

    /// <summary>The most characters of a reason an error keeps (a quoted value and the words around it).</summary>
    public const int MaxReason = 400;

    /// <summary>
    /// A sent value as an error quotes it: in single quotes, its first <see cref="MaxQuoted"/>
    /// characters and, when there were more, how many were cut — so a 50 MB field makes a short
    /// error, not a 50 MB one.
    /// </summary>
    /// <param name="value">The value as sent.</param>
    /// <returns>The quotation.</returns>
    public static string Quote(string? value) =>
        value is null ? "''"
        : value.Length <= MaxQuoted ? $"'{value}'"
        : string.Create(CultureInfo.InvariantCulture, $"'{value[..MaxQuoted]}…' ({value.Length - MaxQuoted:N0} more characters cut)");

    /// <summary>This error with its field and reason cut to <see cref="MaxField"/> and <see cref="MaxReason"/> characters, as it is stored.</summary>
    /// <returns>The error, cut where it was longer.</returns>
    public RowError Cut() => Field.Length <= MaxField && Reason.Length <= MaxReason
        ? this
        : this with { Field = Cut(Field, MaxField), Reason = Cut(Reason, MaxReason) };

    private static string Cut(string text, int max) =>
        text.Length <= max ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..max]}… ({text.Length - max:N0} more characters cut)");
}

/// <summary>An overdose event ready to store, with the county (GEOID) its point is in, or null.</summary>
public sealed record OverdoseRow(
    string Agency, string ExternalId, DateTimeOffset OccurredAt, double Lon, double Lat, string LocationPrecision,
    bool Fatal, bool? NaloxoneAdministered, short? NaloxoneDoses, string[] SuspectedDrugs, string? AgeBand, string? Sex, string? County);

/// <summary>A seizure event ready to store, with the county (GEOID) its point is in, or null.</summary>
public sealed record SeizureRow(
    string Agency, string ExternalId, DateTimeOffset SeizedAt, double Lon, double Lat, string Drug,
    double Quantity, string Unit, double? Grams, double? DosageUnits, string? CaseReference, string? County);

/// <summary>
/// Turns a sender's record into a canonical event through a <see cref="ColumnMapping"/>, checking
/// every field; each problem becomes a <see cref="RowError"/> naming the line, the field and the reason.
/// </summary>
public sealed class RowBuilder
{
    private const string NulError = "contains a NUL character, which no stored text may hold";
    private static readonly char[] ListSeparators = [';', '|', ','];
    private readonly ColumnMapping _mapping;
    private readonly string _agency;
    private readonly TimeProvider _clock;
    private readonly (double X, double Y)? _centroid;
    private readonly Func<double, double, string?> _locate;
    private readonly Func<string, bool>? _mayName;
    private readonly GeometryTransformer? _toWgs84;
    private readonly TimeZoneInfo _zone;
    private readonly Dictionary<string, Dictionary<string, string>> _values;

    /// <summary>Creates a builder.</summary>
    /// <param name="mapping">The mapping (already validated).</param>
    /// <param name="agency">The batch's agency, used where a row names none.</param>
    /// <param name="clock">The clock that says what "in the future" is.</param>
    /// <param name="countyCentroid">Where events without coordinates go when the mapping says so.</param>
    /// <param name="locate">The county holding a lon/lat, used to recognise swapped coordinates.</param>
    /// <param name="mayName">
    /// Whether a row may be stored under an agency other than <paramref name="agency"/> (the sender's
    /// own, or one it is delegated for); null when any agency may be named (admins, the command line).
    /// </param>
    public RowBuilder(
        ColumnMapping mapping, string agency, TimeProvider clock, (double X, double Y)? countyCentroid, Func<double, double, string?> locate,
        Func<string, bool>? mayName = null)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        _mapping = mapping;
        _agency = agency;
        _clock = clock;
        _centroid = countyCentroid;
        _locate = locate;
        _mayName = mayName;
        _toWgs84 = mapping.Crs == Crs.Wgs84Srid ? null : CoordinateSystems.Wgs84From(mapping.Crs);
        _zone = mapping.TimeZone is { Length: > 0 } zone ? TimeZoneInfo.FindSystemTimeZoneById(zone) : TimeZoneInfo.Utc;
        _values = mapping.Values.ToDictionary(
            kv => kv.Key,
            kv => new Dictionary<string, string>(kv.Value, StringComparer.OrdinalIgnoreCase),
            StringComparer.Ordinal);
    }

    /// <summary>Builds an overdose event, or adds to <paramref name="errors"/> and returns null.</summary>
    /// <param name="record">The record as sent.</param>
    /// <param name="errors">Where the row's problems are added.</param>
    /// <returns>The event, or null when the row has a problem.</returns>
    public OverdoseRow? Overdose(SourceRecord record, List<RowError> errors)
    {
        if (ReadHead(record, errors, EventKindInfo.Overdoses) is not { } head)
        {
            return null;
        }

        var precision = Value(record, "location_precision") ?? "exact";
        if (!Vocabulary.LocationPrecisions.Contains(precision))
        {
            errors.Add(new RowError(record.Line, "location_precision", $"{RowError.Quote(precision)} is not one of {string.Join(", ", Vocabulary.LocationPrecisions.Order())}"));
        }

        var fatal = Boolean(record, "fatal", errors, required: true);
        var naloxone = Boolean(record, "naloxone_administered", errors, required: false);
        short? doses = null;
        if (Value(record, "naloxone_doses") is { } dosesText)
        {
            if (short.TryParse(dosesText, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d <= 100)
            {
                doses = d;
            }
            else
            {
                errors.Add(new RowError(record.Line, "naloxone_doses", $"{RowError.Quote(dosesText)} is not a whole number of doses from 0 to 100"));
            }
        }

        var drugs = Drugs(record, errors);
        string? ageBand = null;
        if (Value(record, "age_band") is { } ageText && !Vocabulary.TryParseAgeBand(ageText, out ageBand))
        {
            errors.Add(new RowError(record.Line, "age_band", $"{RowError.Quote(ageText)} is not an age or an age band such as 25-29"));
        }

        string? sex = null;
        if (Value(record, "sex") is { } sexText && !Vocabulary.TryParseSex(sexText, out sex))
        {
            errors.Add(new RowError(record.Line, "sex", $"{RowError.Quote(sexText)} is not female, male or unknown"));
        }

        var agency = Agency(record, EventKindInfo.Overdoses.AgencyField, errors);
        if (errors.Count > head.Errors)
        {
            return null;
        }

        return new OverdoseRow(agency, head.ExternalId!, head.At!.Value, head.Lon, head.Lat, precision, fatal!.Value, naloxone, doses, drugs, ageBand, sex, head.County);
    }

    /// <summary>Builds a seizure event, or adds to <paramref name="errors"/> and returns null.</summary>
    /// <param name="record">The record as sent.</param>
    /// <param name="errors">Where the row's problems are added.</param>
    /// <returns>The event, or null when the row has a problem.</returns>
    public SeizureRow? Seizure(SourceRecord record, List<RowError> errors)
    {
        if (ReadHead(record, errors, EventKindInfo.Seizures) is not { } head)
        {
            return null;
        }

        string? drug = null;
        if (Required(record, "drug", errors) is { } drugText)
        {
            if (Vocabulary.TryMapDrug(drugText, out var mapped) && Vocabulary.SeizureDrugs.Contains(mapped))
            {
                drug = mapped;
            }
            else if (_mapping.UnknownDrugs == "other")
            {
                drug = "other";
            }
            else
            {
                errors.Add(new RowError(record.Line, "drug", $"{RowError.Quote(drugText)} is not a known drug name (see the synonym table in docs/INGEST.md)"));
            }
        }

        double quantity = 0;
        if (Required(record, "quantity", errors) is { } quantityText)
        {
            if (!RecordSources.TryParseNumber(quantityText, out quantity))
            {
                errors.Add(new RowError(record.Line, "quantity", $"{RowError.Quote(quantityText)} is not a number"));
            }
            else if (quantity < 0)
            {
                errors.Add(new RowError(record.Line, "quantity", $"{RowError.Quote(quantityText)} is negative"));
            }
        }

        string? unit = null;
        if (Required(record, "unit", errors) is { } unitText && !Vocabulary.TryParseUnit(unitText, out unit))
        {
            errors.Add(new RowError(record.Line, "unit", $"{RowError.Quote(unitText)} is not one of {string.Join(", ", Vocabulary.Units.Order())}"));
        }

        var agency = Agency(record, EventKindInfo.Seizures.AgencyField, errors);
        var caseReference = Stored(record, "case_reference", errors);
        if (errors.Count > head.Errors)
        {
            return null;
        }

        var (grams, dosageUnits) = Vocabulary.NormaliseQuantity(quantity, unit!);
        return new SeizureRow(agency, head.ExternalId!, head.At!.Value, head.Lon, head.Lat, drug!, quantity, unit!, grams, dosageUnits, caseReference, head.County);
    }

    /// <summary>
    /// What every event has, read and checked first: its external id, its time and its point with the
    /// county it is in. Null when the record itself is faulted (a wrong field count, a feature that is no
    /// point), which is then its one error.
    /// </summary>
    private Head? ReadHead(SourceRecord record, List<RowError> errors, EventKindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(errors);
        if (record.Fault is { } fault)
        {
            errors.Add(new RowError(record.Line, "record", fault));
            return null;
        }

        var before = errors.Count;
        var externalId = Required(record, "external_id", errors);
        var at = Date(record, kind.TimeField, errors);
        var (lon, lat, county) = Point(record, errors);
        return new Head(before, externalId, at, lon, lat, county);
    }

    /// <summary>
    /// The fields every event has, as <see cref="ReadHead"/> reads them, and how many errors the list
    /// held before (<c>Errors</c>): more once the record is read means the row has a problem.
    /// </summary>
    private readonly record struct Head(int Errors, string? ExternalId, DateTimeOffset? At, double Lon, double Lat, string? County);

    /// <summary>The agency and external id a record is stored under (for overdoses or seizures), as the mapping reads them.</summary>
    /// <param name="record">The record as sent.</param>
    /// <returns>The key; the external id is null when the record has none.</returns>
    public (string Agency, string? ExternalId) Key(SourceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var agency = Value(record, EventKindInfo.Of(_mapping.Kind).AgencyField) ?? _agency;
        return (agency, Value(record, "external_id"));
    }

    /// <summary>The field's text: the first non-empty mapped column, through the value map, else the constant.</summary>
    private string? Value(SourceRecord record, string field)
    {
        if (_mapping.Fields.TryGetValue(field, out var columns))
        {
            foreach (var column in columns)
            {
                if (record.Get(column) is { } raw)
                {
                    var value = Mapped(field, raw);
                    if (value is not null)
                    {
                        return value;
                    }
                }
            }
        }

        return _mapping.Constants.GetValueOrDefault(field);
    }

    private string? Mapped(string field, string raw) =>
        _values.TryGetValue(field, out var map) && map.TryGetValue(raw, out var mapped)
            ? (mapped.Length == 0 ? null : mapped)
            : raw;

    private string? Required(SourceRecord record, string field, List<RowError> errors)
    {
        var value = Value(record, field);
        if (value is null)
        {
            errors.Add(new RowError(record.Line, field, "is required and missing"));
        }
        else if (value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new RowError(record.Line, field, NulError));
            return null;
        }
        else if (value.Length > 200)
        {
            errors.Add(new RowError(record.Line, field, "is longer than 200 characters"));
            return null;
        }

        return value;
    }

    /// <summary>A field stored as text: PostgreSQL text cannot hold a NUL character, so one is the row's error.</summary>
    private string? Stored(SourceRecord record, string field, List<RowError> errors)
    {
        var value = Value(record, field);
        if (value is not null && value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new RowError(record.Line, field, NulError));
            return null;
        }

        return value;
    }

    /// <summary>
    /// The agency a row is stored under: its own agency field, else the mapping's constant, else the
    /// batch's agency. Naming an agency the sender may not submit for is the row's error: one agency
    /// cannot write as another (and block that agency's own later upload of the same ids).
    /// </summary>
    private string Agency(SourceRecord record, string field, List<RowError> errors)
    {
        var named = Stored(record, field, errors);
        if (named is null || named == _agency || _mayName is null || _mayName(named))
        {
            return named ?? _agency;
        }

        var fromConstant = _mapping.Constants.TryGetValue(field, out var constant) && constant == named
            && !(_mapping.Fields.TryGetValue(field, out var columns) && columns.Any(c => record.Get(c) is not null));
        errors.Add(new RowError(record.Line, field,
            $"names the agency '{named}'{(fromConstant ? " (the mapping's constant)" : "")}, but this key submits for '{_agency}': " +
            "a row may name only the sending key's agency or one an admin has delegated to the key"));
        return _agency;
    }

    private bool? Boolean(SourceRecord record, string field, List<RowError> errors, bool required)
    {
        var text = required ? Required(record, field, errors) : Value(record, field);
        if (text is null)
        {
            return null;
        }

        if (Vocabulary.TryParseBoolean(text, out var value))
        {
            return value;
        }

        errors.Add(new RowError(record.Line, field, $"{RowError.Quote(text)} is not true or false (yes/no, 1/0)"));
        return null;
    }

    private DateTimeOffset? Date(SourceRecord record, string field, List<RowError> errors)
    {
        if (Required(record, field, errors) is not { } text)
        {
            return null;
        }

        if (!TryParseDate(text, out var date))
        {
            var expected = _mapping.DateFormats.Length > 0 ? string.Join(" or ", _mapping.DateFormats) : "ISO 8601 (2024-03-01T22:15:00-05:00)";
            errors.Add(new RowError(record.Line, field, $"{RowError.Quote(text)} is not a date in the form {expected}"));
            return null;
        }

        if (date > _clock.GetUtcNow().AddMinutes(10))
        {
            errors.Add(new RowError(record.Line, field, $"{date:O} is in the future"));
            return null;
        }

        if (date.Year < 1900)
        {
            errors.Add(new RowError(record.Line, field, $"{date:O} is before 1900"));
            return null;
        }

        return date.ToUniversalTime();
    }

    private bool TryParseDate(string text, out DateTimeOffset date)
    {
        const DateTimeStyles Styles = DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal;
        var parsed = _mapping.DateFormats.Length > 0
            ? DateTimeOffset.TryParseExact(text, _mapping.DateFormats, CultureInfo.InvariantCulture, Styles, out date)
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out date);
        if (!parsed)
        {
            return false;
        }

        if (!HasOffset(text) && _zone != TimeZoneInfo.Utc)
        {
            // A local wall-clock time: place it in the mapping's time zone.
            var local = DateTime.SpecifyKind(date.UtcDateTime, DateTimeKind.Unspecified);
            date = new DateTimeOffset(local, _zone.GetUtcOffset(local));
        }

        return true;
    }

    /// <summary>True when the text carries a UTC offset or a Z.</summary>
    private static bool HasOffset(string text)
    {
        var t = text.TrimEnd();
        if (t.EndsWith('Z') || t.EndsWith('z'))
        {
            return true;
        }

        var time = t.IndexOf(':', StringComparison.Ordinal);
        if (time < 0)
        {
            return false;
        }

        return t.IndexOf('+', time) > 0 || t.IndexOf('-', time) > 0;
    }

    private (double Lon, double Lat, string? County) Point(SourceRecord record, List<RowError> errors)
    {
        var lonText = Value(record, "lon");
        var latText = Value(record, "lat");
        if (lonText is null && latText is null && _centroid is { } centroid)
        {
            return (centroid.X, centroid.Y, _locate(centroid.X, centroid.Y));
        }

        if (lonText is null || latText is null)
        {
            errors.Add(new RowError(record.Line, lonText is null ? "lon" : "lat", "is required and missing"));
            return (0, 0, null);
        }

        if (!RecordSources.TryParseNumber(lonText, out var x) || !RecordSources.TryParseNumber(latText, out var y))
        {
            errors.Add(new RowError(record.Line, RecordSources.TryParseNumber(lonText, out _) ? "lat" : "lon", $"{RowError.Quote((RecordSources.TryParseNumber(lonText, out _) ? latText : lonText))} is not a number"));
            return (0, 0, null);
        }

        if (_toWgs84 is not null)
        {
            (x, y) = _toWgs84.Transform(x, y);
        }

        var county = _locate(x, y);
        var swapped = county is null && x is >= -90 and <= 90 && y is >= -180 and <= 180 && _locate(y, x) is not null;
        if (swapped)
        {
            errors.Add(new RowError(record.Line, "lat", $"({x}, {y}) is in no county but ({y}, {x}) is: lat and lon look swapped"));
            return (0, 0, null);
        }

        if (y is < -90 or > 90)
        {
            errors.Add(new RowError(record.Line, "lat", $"{y} is outside -90..90"));
            return (0, 0, null);
        }

        if (x is < -180 or > 180)
        {
            errors.Add(new RowError(record.Line, "lon", $"{x} is outside -180..180"));
            return (0, 0, null);
        }

        return (x, y, county);
    }

    private string[] Drugs(SourceRecord record, List<RowError> errors)
    {
        var drugs = new SortedSet<string>(StringComparer.Ordinal);
        IEnumerable<string> columns = _mapping.Fields.TryGetValue("suspected_drugs", out var c) ? c : [];
        var tokens = columns.Select(record.Get).Where(v => v is not null).SelectMany(v => v!.Split(ListSeparators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (tokens.Count == 0 && _mapping.Constants.TryGetValue("suspected_drugs", out var constant))
        {
            tokens.AddRange(constant.Split(ListSeparators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }

        foreach (var token in tokens)
        {
            if (Mapped("suspected_drugs", token) is not { } name)
            {
                continue;
            }

            if (TryMapOverdoseDrug(name, out var drug))
            {
                drugs.Add(drug);
            }
            else if (name.Contains('/', StringComparison.Ordinal) && name.Split('/').All(p => TryMapOverdoseDrug(p, out _)))
            {
                foreach (var part in name.Split('/'))
                {
                    TryMapOverdoseDrug(part, out var d);
                    drugs.Add(d);
                }
            }
            else if (_mapping.UnknownDrugs == "other")
            {
                drugs.Add("other");
            }
            else
            {
                errors.Add(new RowError(record.Line, "suspected_drugs", $"{RowError.Quote(name)} is not a known drug name (see the synonym table in docs/INGEST.md)"));
            }
        }

        return [.. drugs];
    }

    private static bool TryMapOverdoseDrug(string name, out string drug) =>
        Vocabulary.TryMapDrug(name, out drug) && Vocabulary.OverdoseDrugs.Contains(drug);
}

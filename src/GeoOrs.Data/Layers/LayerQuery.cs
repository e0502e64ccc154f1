using System.Globalization;
using GeoOrs.Data.Access;
using GeoOrs.Data.Ingest;
using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Layers;

/// <summary>
/// What a layer is asked for: a window of local days (<c>from</c> and <c>to</c>, both inclusive, either
/// open; each event counts on the date of its county's time zone, docs/adr/0021-local-days.md), a drug of the vocabulary, and fatal or non-fatal overdoses. Every value reaches SQL as a
/// bound parameter; the names are an allow-list.
/// </summary>
/// <param name="From">The first day, or null for no lower bound.</param>
/// <param name="To">The last day, or null for no upper bound.</param>
/// <param name="Drug">A drug of the vocabulary, or null for every event.</param>
/// <param name="Fatal">True for fatal overdoses only, false for non-fatal only, null for both.</param>
public sealed record LayerQuery(DateOnly? From = null, DateOnly? To = null, string? Drug = null, bool? Fatal = null)
{
    /// <summary>The parameter names a layer takes.</summary>
    public static readonly IReadOnlyList<string> Names = ["from", "to", "drug", "fatal"];

    /// <summary>No filter: every event of all time.</summary>
    public static LayerQuery All { get; } = new();

    private static readonly DateOnly Earliest = new(1900, 1, 1);

    // A window's first local day at the earliest: the day before Earliest, since an event of 1 January
    // 1900 (UTC) falls on 31 December 1899 west of Greenwich.
    private static readonly DateOnly EarliestLocal = Earliest.AddDays(-1);
    private static readonly DateOnly Latest = new(2200, 1, 1);

    /// <summary>The aggregate slot of <see cref="Drug"/>: 1 for every event.</summary>
    public int Slot => Drug is null ? 1 : AggregateTally.DrugSlots[Drug];

    /// <summary>Whose view of the data the query reads (the public's unless told otherwise).</summary>
    public AccessView View { get; init; } = AccessView.Public;

    /// <summary>
    /// The time zone whose date is the public's today: Pacific/Honolulu, the westernmost zone of the
    /// counties (UTC−10 all year; America/Adak keeps UTC−10 in winter and −9 in summer, so its date is
    /// never behind Honolulu's). Days are each area's local dates (docs/adr/0021-local-days.md), so a
    /// month is complete in every area only once it is complete there: a month ends for the public at
    /// 10:00 UTC of the next month's first day, not at midnight UTC, when its last evening is still
    /// to come in Hawaii and Alaska (and until 05:00 UTC, on the mainland).
    /// </summary>
    public const string PublicZone = "Pacific/Honolulu";

    private static readonly TimeZoneInfo PublicTimeZone = Analysis.Calendar.LocalDays.Zone(PublicZone);

    /// <summary>The public's today at an instant: the date in <see cref="PublicZone"/>, the last of the counties' zones to reach it.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The date.</returns>
    public static DateOnly PublicToday(DateTimeOffset now) => Analysis.Calendar.LocalDays.Of(now, PublicTimeZone);

    /// <summary>The months a public window may span: one calendar month, or twelve.</summary>
    public static readonly IReadOnlyList<int> PublicWindowMonths = [1, 12];

    /// <summary>
    /// The last day the public may see: the end of the last complete calendar month before
    /// <paramref name="today"/> (a month still filling would publish its days one by one).
    /// </summary>
    /// <param name="today">The public's today (<see cref="PublicToday"/>).</param>
    /// <returns>The last day of the previous month.</returns>
    public static DateOnly PublicLatest(DateOnly today) => new DateOnly(today.Year, today.Month, 1).AddDays(-1);

    /// <summary>The public's default window: the twelve complete months before <paramref name="today"/>'s month.</summary>
    /// <param name="today">The public's today (<see cref="PublicToday"/>).</param>
    /// <returns>The first and last days.</returns>
    public static (DateOnly From, DateOnly To) PublicDefault(DateOnly today)
    {
        var to = PublicLatest(today);
        return (new DateOnly(to.Year, to.Month, 1).AddMonths(-11), to);
    }

    /// <summary>
    /// This query as <paramref name="view"/> may ask it. Keyed roles ask any window. The public asks
    /// only the fixed windows that disclosure control publishes (docs/ACCESS.md): one calendar month
    /// or twelve consecutive ones, ending by the last complete month; no window means the latest
    /// twelve. Arbitrary days would let differences of windows isolate single days.
    /// </summary>
    /// <param name="view">The caller's view.</param>
    /// <param name="today">The public's today (<see cref="PublicToday"/>).</param>
    /// <param name="query">The query with its view (and, for the public, its window), when allowed.</param>
    /// <param name="error">Why not, else null.</param>
    /// <returns>Whether the view may ask this query.</returns>
    public bool TryFor(AccessView view, DateOnly today, out LayerQuery query, out string? error)
    {
        ArgumentNullException.ThrowIfNull(view);
        query = this with { View = view };
        error = null;
        if (!view.Suppressed)
        {
            return true;
        }

        var latest = PublicLatest(today);
        if (From is null && To is null)
        {
            var (from, to) = PublicDefault(today);
            query = query with { From = from, To = to };
            return true;
        }

        var example = $"from={latest.AddDays(1 - latest.Day):yyyy-MM-dd}&to={latest:yyyy-MM-dd} or from={latest.AddDays(1 - latest.Day).AddMonths(-11):yyyy-MM-dd}&to={latest:yyyy-MM-dd}";
        if (To is not { } last || last.Day != DateTime.DaysInMonth(last.Year, last.Month) || (From is { } f && f.Day != 1))
        {
            error = $"public figures are published for whole calendar months: 'from' the first day of a month and 'to' the last day of one (e.g. {example}); keyed callers may ask any window";
            return false;
        }

        if (last > latest)
        {
            error = $"public figures are published for complete months only: 'to' may be {latest:yyyy-MM-dd} at the latest";
            return false;
        }

        if (last < Earliest.AddYears(1) || From < Earliest)
        {
            error = $"public windows lie between {Earliest:yyyy-MM-dd} and {latest:yyyy-MM-dd}, in whole calendar months";
            return false;
        }

        var first = From ?? new DateOnly(last.Year, last.Month, 1).AddMonths(-11);
        var months = ((last.Year - first.Year) * 12) + last.Month - first.Month + 1;
        if (!PublicWindowMonths.Contains(months))
        {
            error = $"public windows span one calendar month or twelve (this one spans {months}; e.g. {example}); keyed callers may ask any window";
            return false;
        }

        query = query with { From = first, To = last };
        return true;
    }

    /// <summary>The name of the query's window in public cell names: its first and last days.</summary>
    public string CellWindow => $"{From:yyyy-MM-dd}/{To:yyyy-MM-dd}";

    /// <summary>A canonical text of the query, for cache keys and ETags.</summary>
    public string Key => $"{From:yyyyMMdd}-{To:yyyyMMdd}-{Drug}-{(Fatal is { } f ? (f ? "f" : "n") : "")}-{View.Key}";

    /// <summary>Reads a query from request parameters; every name must be known and every value valid.</summary>
    /// <param name="parameters">The parameters (name, value); a name given twice is an error.</param>
    /// <param name="allowed">The names this layer takes, from <see cref="Names"/>; others are refused.</param>
    /// <param name="query">The query when valid.</param>
    /// <param name="error">Why it is not, else null.</param>
    /// <returns>Whether the parameters are valid.</returns>
    public static bool TryParse(IEnumerable<KeyValuePair<string, string?[]>> parameters, IReadOnlyCollection<string> allowed, out LayerQuery query, out string? error)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(allowed);
        query = All;
        error = null;
        DateOnly? from = null, to = null;
        string? drug = null;
        bool? fatal = null;
        foreach (var (name, values) in parameters)
        {
            if (!allowed.Contains(name))
            {
                error = $"unknown parameter '{name}' (this layer takes {(allowed.Count == 0 ? "no parameters" : string.Join(", ", allowed))})";
                return false;
            }

            if (values.Length != 1 || values[0] is not { } value)
            {
                error = $"'{name}' must be given once";
                return false;
            }

            switch (name)
            {
                case "from" or "to":
                    if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    {
                        error = $"'{name}' must be a date as YYYY-MM-DD (got '{value}')";
                        return false;
                    }

                    if (!EventDays.Contains(day))
                    {
                        error = $"'{name}' must be a day from {EventDays.Range} (got '{value}')";
                        return false;
                    }

                    if (name == "from")
                    {
                        from = day;
                    }
                    else
                    {
                        to = day;
                    }

                    break;
                case "drug":
                    if (!AggregateTally.DrugSlots.ContainsKey(value))
                    {
                        error = $"'drug' must be one of {string.Join(", ", AggregateTally.DrugSlots.Keys.Order(StringComparer.Ordinal))} (got '{value}')";
                        return false;
                    }

                    drug = value;
                    break;
                case "fatal":
                    if (!bool.TryParse(value, out var f))
                    {
                        error = $"'fatal' must be true or false (got '{value}')";
                        return false;
                    }

                    fatal = f;
                    break;
                default:
                    error = $"unknown parameter '{name}'";
                    return false;
            }
        }

        if (from > to)
        {
            error = $"'from' ({from:yyyy-MM-dd}) is after 'to' ({to:yyyy-MM-dd})";
            return false;
        }

        query = new LayerQuery(from, to, drug, fatal);
        return true;
    }

    /// <summary>
    /// Binds the window and filters as named parameters: <c>@slot</c>, <c>@fatal</c>, the window's
    /// days <c>@day_from</c>..<c>@day_end</c>, and the aggregate split: whole months
    /// <c>@m_from</c>..<c>@m_to</c> and the days at either end, <c>@d1_from</c>..<c>@d1_to</c> and
    /// <c>@d2_from</c>..<c>@d2_to</c> (all dates, all half-open). Every one is a local date: it is
    /// compared with an event's <c>local_day</c> or the aggregates' days and months, which are each
    /// county's own (docs/adr/0021-local-days.md).
    /// </summary>
    /// <param name="parameters">The command's parameters.</param>
    public void Bind(NpgsqlParameterCollection parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        // No event lies outside Earliest..Latest (ingest refuses them), so the window is clamped to
        // those days: the same rows, and no date arithmetic at DateOnly's ends (to=9999-12-31).
        var first = Clamp(From ?? EarliestLocal, EarliestLocal, Latest.AddDays(1));
        var end = Clamp(To ?? Latest, EarliestLocal.AddDays(-1), Latest).AddDays(1); // exclusive
        var monthFrom = first.Day == 1 ? first : new DateOnly(first.Year, first.Month, 1).AddMonths(1);
        var monthTo = new DateOnly(end.Year, end.Month, 1);
        if (monthFrom >= monthTo)
        {
            // No whole month inside: days only.
            monthFrom = monthTo = first;
            Add("d1_from", first, "d1_to", end, "d2_from", end, "d2_to", end);
        }
        else
        {
            Add("d1_from", first, "d1_to", monthFrom, "d2_from", monthTo, "d2_to", end);
        }

        parameters.Add(new NpgsqlParameter<DateOnly>("m_from", NpgsqlDbType.Date) { TypedValue = monthFrom });
        parameters.Add(new NpgsqlParameter<DateOnly>("m_to", NpgsqlDbType.Date) { TypedValue = monthTo });
        parameters.Add(new NpgsqlParameter<DateOnly>("day_from", NpgsqlDbType.Date) { TypedValue = first });
        parameters.Add(new NpgsqlParameter<DateOnly>("day_end", NpgsqlDbType.Date) { TypedValue = end });
        parameters.Add(new NpgsqlParameter<int>("slot", NpgsqlDbType.Integer) { TypedValue = Slot });
        parameters.Add(new NpgsqlParameter("drug", NpgsqlDbType.Text) { Value = (object?)Drug ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("fatal", NpgsqlDbType.Boolean) { Value = (object?)Fatal ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter<string>("cell_window", NpgsqlDbType.Text) { TypedValue = CellWindow });
        View.Bind(parameters);

        static DateOnly Clamp(DateOnly day, DateOnly min, DateOnly max) => day < min ? min : day > max ? max : day;

        void Add(string a, DateOnly av, string b, DateOnly bv, string c, DateOnly cv, string d, DateOnly dv)
        {
            parameters.Add(new NpgsqlParameter<DateOnly>(a, NpgsqlDbType.Date) { TypedValue = av });
            parameters.Add(new NpgsqlParameter<DateOnly>(b, NpgsqlDbType.Date) { TypedValue = bv });
            parameters.Add(new NpgsqlParameter<DateOnly>(c, NpgsqlDbType.Date) { TypedValue = cv });
            parameters.Add(new NpgsqlParameter<DateOnly>(d, NpgsqlDbType.Date) { TypedValue = dv });
        }
    }
}

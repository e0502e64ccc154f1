using Npgsql;
using NpgsqlTypes;

namespace GeoOrs.Data.Ingest;

/// <summary>
/// Counts one chunk's stored events by county, UTC day, drug and flags, and copies the counts to
/// the batch's staging tallies; the batch adds them to the daily aggregates before it commits.
/// </summary>
internal sealed class DailyTally
{
    private const string AnyDrug = "any";
    private readonly Dictionary<(string County, DateOnly Day, string Drug, bool Fatal, bool Naloxone), int> _overdoses = [];
    private readonly Dictionary<(string County, DateOnly Day, string Drug), (int Events, double Grams, double DosageUnits)> _seizures = [];

    public void Add(object row)
    {
        switch (row)
        {
            case OverdoseRow o:
                var day = DateOnly.FromDateTime(o.OccurredAt.UtcDateTime);
                var naloxone = o.NaloxoneAdministered ?? false;
                Count((o.County ?? "", day, AnyDrug, o.Fatal, naloxone));
                foreach (var drug in o.SuspectedDrugs)
                {
                    Count((o.County ?? "", day, drug, o.Fatal, naloxone));
                }

                break;
            case SeizureRow z:
                var key = (z.County ?? "", DateOnly.FromDateTime(z.SeizedAt.UtcDateTime), z.Drug);
                var (events, grams, units) = _seizures.GetValueOrDefault(key);
                _seizures[key] = (events + 1, grams + (z.Grams ?? 0), units + (z.DosageUnits ?? 0));
                break;
        }
    }

    private void Count((string, DateOnly, string, bool, bool) key) =>
        _overdoses[key] = _overdoses.GetValueOrDefault(key) + 1;

    /// <summary>Copies the chunk's counts into the staging tallies and starts over.</summary>
    public async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_overdoses.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY overdose_daily_in (county_fips, day, drug, fatal, naloxone, events) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            foreach (var ((county, day, drug, fatal, naloxone), events) in _overdoses)
            {
                copy.StartRow();
                copy.Write(county, NpgsqlDbType.Text);
                copy.Write(day, NpgsqlDbType.Date);
                copy.Write(drug, NpgsqlDbType.Text);
                copy.Write(fatal, NpgsqlDbType.Boolean);
                copy.Write(naloxone, NpgsqlDbType.Boolean);
                copy.Write(events, NpgsqlDbType.Integer);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            _overdoses.Clear();
        }

        if (_seizures.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY seizure_daily_in (county_fips, day, drug, events, grams, dosage_units) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            foreach (var ((county, day, drug), (events, grams, units)) in _seizures)
            {
                copy.StartRow();
                copy.Write(county, NpgsqlDbType.Text);
                copy.Write(day, NpgsqlDbType.Date);
                copy.Write(drug, NpgsqlDbType.Text);
                copy.Write(events, NpgsqlDbType.Integer);
                copy.Write(grams, NpgsqlDbType.Double);
                copy.Write(units, NpgsqlDbType.Double);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            _seizures.Clear();
        }
    }
}

using GeoOrs.Data.Ingest;

namespace GeoOrs.Data.Tests.Ingest;

public class RowBuilderTests
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static SourceRecord Record(params (string Column, string? Value)[] fields) =>
        new(2, fields.ToDictionary(f => f.Column, f => f.Value, StringComparer.OrdinalIgnoreCase));

    private static RowBuilder Builder(ColumnMapping? mapping = null, (double, double)? centroid = null) =>
        new(mapping ?? ColumnMapping.Canonical(EventKind.Overdoses), "agency-a", Clock, centroid, static (_, _) => "24510");

    [Fact]
    public void Canonical_record_becomes_an_event()
    {
        var errors = new List<RowError>();
        var row = Builder().Overdose(Record(("external_id", "x1"), ("occurred_at", "2024-03-01T22:15:00-05:00"), ("lat", "39.29"), ("lon", "-76.61"),
            ("fatal", "no"), ("naloxone_administered", "Y"), ("naloxone_doses", "2"), ("suspected_drugs", "Fentanyl/Acetylfentanyl; Xanax | crack"),
            ("age_band", "27"), ("sex", "M")), errors);

        Assert.Empty(errors);
        Assert.NotNull(row);
        Assert.Equal(new DateTimeOffset(2024, 3, 2, 3, 15, 0, TimeSpan.Zero), row.OccurredAt);
        Assert.Equal(TimeSpan.Zero, row.OccurredAt.Offset);
        Assert.Equal(["benzodiazepine", "cocaine", "fentanyl"], row.SuspectedDrugs);
        Assert.Equal("25-29", row.AgeBand);
        Assert.Equal("male", row.Sex);
        Assert.True(row.NaloxoneAdministered);
        Assert.Equal("agency-a", row.Agency);
        Assert.Equal("exact", row.LocationPrecision);
    }

    [Fact]
    public void Wall_clock_dates_are_placed_in_the_mappings_time_zone()
    {
        var mapping = ColumnMapping.Canonical(EventKind.Overdoses) with { TimeZone = "America/New_York" };
        var errors = new List<RowError>();
        var row = Builder(mapping).Overdose(Record(("external_id", "x"), ("occurred_at", "2007-02-08T14:55:00"), ("lat", "40.4"), ("lon", "-80"), ("fatal", "true")), errors);
        Assert.Equal(new DateTimeOffset(2007, 2, 8, 19, 55, 0, TimeSpan.Zero), row!.OccurredAt);

        var summer = Builder(mapping).Overdose(Record(("external_id", "y"), ("occurred_at", "2020-07-08T14:55:00"), ("lat", "40.4"), ("lon", "-80"), ("fatal", "true")), errors);
        Assert.Equal(new DateTimeOffset(2020, 7, 8, 18, 55, 0, TimeSpan.Zero), summer!.OccurredAt);
    }

    [Fact]
    public void Every_missing_required_field_is_named()
    {
        var errors = new List<RowError>();
        Assert.Null(Builder().Overdose(Record(("notes", "x")), errors));
        Assert.Equal(["external_id", "occurred_at", "lon", "fatal"], errors.Select(e => e.Field));
        Assert.All(errors, e => Assert.Equal(2, e.Line));
    }

    [Fact]
    public void Record_without_coordinates_goes_to_the_county_centroid_when_the_mapping_says_so()
    {
        var errors = new List<RowError>();
        var row = Builder(centroid: (-79.98, 40.47)).Overdose(Record(("external_id", "x"), ("occurred_at", "2020-01-01"), ("fatal", "1")), errors);
        Assert.Empty(errors);
        Assert.Equal((-79.98, 40.47), (row!.Lon, row.Lat));
    }

    [Fact]
    public void Value_maps_and_constants_fill_fields_and_empty_means_not_given()
    {
        var mapping = ColumnMapping.Canonical(EventKind.Overdoses) with
        {
            Values = new() { ["naloxone_administered"] = new() { ["NULL"] = "", ["Yes"] = "true" } },
            Constants = new() { ["fatal"] = "false", ["location_precision"] = "randomized" },
        };
        var errors = new List<RowError>();
        var row = Builder(mapping).Overdose(Record(("external_id", "x"), ("occurred_at", "2020-01-01"), ("lat", "33.4"), ("lon", "-111.9"), ("naloxone_administered", "NULL")), errors);
        Assert.Empty(errors);
        Assert.Null(row!.NaloxoneAdministered);
        Assert.False(row.Fatal);
        Assert.Equal("randomized", row.LocationPrecision);
    }

    [Theory]
    [InlineData("0 to 04", "0-4")]
    [InlineData("25 to 29", "25-29")]
    [InlineData("85+", "85+")]
    [InlineData("91", "85+")]
    [InlineData("3", "0-4")]
    public void Age_bands_are_normalised(string text, string band)
    {
        Assert.True(Vocabulary.TryParseAgeBand(text, out var parsed));
        Assert.Equal(band, parsed);
    }

    [Theory]
    [InlineData(2, "kg", 2000.0, null)]
    [InlineData(1, "lb", 453.59237, null)]
    [InlineData(1, "oz", 28.349523125, null)]
    [InlineData(30, "pills", null, 30.0)]
    public void Seizure_quantities_are_normalised(double quantity, string unit, double? grams, double? dosageUnits) =>
        Assert.Equal((grams, dosageUnits), Vocabulary.NormaliseQuantity(quantity, unit));

    [Fact]
    public void Unknown_drug_is_an_error_unless_the_mapping_maps_it_to_other()
    {
        var record = Record(("external_id", "x"), ("occurred_at", "2020-01-01"), ("lat", "33.4"), ("lon", "-111.9"), ("fatal", "1"), ("suspected_drugs", "Fentanyl;Citalopram/Escitalopram"));
        var errors = new List<RowError>();
        Assert.Null(Builder().Overdose(record, errors));
        Assert.Contains("Citalopram/Escitalopram", errors.Single().Reason, StringComparison.Ordinal);

        var lenient = ColumnMapping.Canonical(EventKind.Overdoses) with { UnknownDrugs = "other" };
        errors.Clear();
        Assert.Equal(["fentanyl", "other"], Builder(lenient).Overdose(record, errors)!.SuspectedDrugs);
    }
}

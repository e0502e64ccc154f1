using GeoOrs.Analysis.Signals;

namespace GeoOrs.Analysis.Tests.Signals;

public class NovelSubstanceTests
{
    private static readonly DateOnly Watched = new(2023, 1, 1);

    private static DateOnly D(string s) => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_first_record_of_a_drug_in_a_watched_area_is_novel_and_the_next_days_are_not()
    {
        var days = new[] { (D("2024-06-03"), 2), (D("2024-06-04"), 1), (D("2024-06-10"), 3) };
        var found = NovelSubstance.Find(days, Watched, 365, D("2024-06-01"), D("2024-06-30"));
        Assert.Equal([new NovelDay(D("2024-06-03"), 2, null)], found);
    }

    [Fact]
    public void A_drug_back_after_more_than_the_look_back_is_novel_again_and_one_back_sooner_is_not()
    {
        var days = new[] { (D("2023-03-01"), 1), (D("2024-03-02"), 1), (D("2025-03-02"), 4) };
        var found = NovelSubstance.Find(days, Watched, 365, D("2024-01-01"), D("2025-12-31"));
        // 2024-03-02 is 367 days after 2023-03-01 (2024 is a leap year): novel. 2025-03-02 is 365 days after it: not.
        Assert.Equal([new NovelDay(D("2024-03-02"), 1, 367)], found);
    }

    [Fact]
    public void An_area_watched_for_less_than_the_look_back_gives_nothing()
    {
        var days = new[] { (D("2024-06-03"), 1) };
        Assert.Empty(NovelSubstance.Find(days, D("2023-06-05"), 365, D("2024-06-01"), D("2024-06-30")));
        Assert.Single(NovelSubstance.Find(days, D("2023-06-04"), 365, D("2024-06-01"), D("2024-06-30")));
    }

    [Fact]
    public void Only_days_inside_the_window_are_reported_though_earlier_ones_count_as_seen()
    {
        var days = new[] { (D("2024-05-30"), 1), (D("2024-06-02"), 1) };
        Assert.Empty(NovelSubstance.Find(days, Watched, 365, D("2024-06-01"), D("2024-06-30")));
        Assert.Empty(NovelSubstance.Find([(D("2024-07-01"), 1)], Watched, 365, D("2024-06-01"), D("2024-06-30")));
    }

    [Fact]
    public void Days_with_a_count_of_zero_are_not_records()
    {
        var days = new[] { (D("2024-05-30"), 0), (D("2024-06-02"), 1) };
        Assert.Single(NovelSubstance.Find(days, Watched, 365, D("2024-06-01"), D("2024-06-30")));
    }
}

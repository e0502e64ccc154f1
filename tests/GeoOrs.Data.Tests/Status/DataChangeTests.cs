using System.Collections.Concurrent;
using GeoOrs.Data.Status;
using GeoOrs.Data.Tiles;
using GeoOrs.Tests;
using Npgsql;

namespace GeoOrs.Data.Tests.Status;

/// <summary>
/// What a commit of events announces on channel <c>geoors_data</c> (migration 0024): its counties,
/// days and box, read back as the servers read them; and the whole kind when it would not fit.
/// </summary>
public class DataChangeTests
{
    /// <summary>Records a change in a transaction, commits, and returns it as a listener hears it.</summary>
    private static async Task<DataChange> AnnouncedAsync(Func<NpgsqlConnection, Task<long>> record)
    {
        var dataSource = await PostGis.DataSourceAsync();
        await using var listener = await dataSource.OpenConnectionAsync();
        var heard = new ConcurrentQueue<string>();
        listener.Notification += (_, e) => heard.Enqueue(e.Payload);
        await DataVersionStore.ListenAsync(listener);

        long version;
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            version = await record(connection);
            await transaction.CommitAsync();
        }

        await using (var read = dataSource.CreateCommand("SELECT version FROM data_versions WHERE kind = 'overdoses'"))
        {
            Assert.True((long)(await read.ExecuteScalarAsync())! >= version);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
            while (heard.TryDequeue(out var payload))
            {
                Assert.True(payload.Length < 8000);
                if (DataChange.TryParse(payload, out var change) && change.Kind == DataKind.Overdoses && change.Version == version)
                {
                    return change;
                }
            }
        }

        throw new TimeoutException($"no notification of overdoses version {version}");
    }

    [Fact]
    public async Task A_change_is_announced_at_commit_with_its_counties_days_and_box_of_true_and_masked_positions()
    {
        var change = new DataChange(DataKind.Overdoses);
        change.Add("24510", new DateOnly(1977, 3, 2), -76.6122, 39.2904);
        change.AddPosition(-76.6187, 39.2861); // its geomasked position
        change.Add(null, new DateOnly(1977, 3, 5), -76.5, 39.35); // outside every county: no county, but its day and place count
        change.Add("24510", new DateOnly(1977, 2, 28), -76.6, 39.3);
        Assert.False(change.IsEmpty);

        var heard = await AnnouncedAsync(async connection => await change.RecordAsync(connection));
        Assert.False(heard.Everything);
        Assert.Equal(change.Version, heard.Version);
        Assert.Equal(["24510"], heard.Counties);
        Assert.Equal((new DateOnly(1977, 2, 28), new DateOnly(1977, 3, 5)), (heard.FirstDay, heard.LastDay));
        Assert.Equal(new LonLatBox(-76.6187, 39.2861, -76.5, 39.35), heard.Box); // exactly: no edge rounded inwards
        Assert.True(heard.Reaches(new DateOnly(1977, 3, 1), new DateOnly(1977, 3, 31)));
        Assert.True(heard.Reaches(null, new DateOnly(1977, 2, 28)));
        Assert.False(heard.Reaches(new DateOnly(1977, 3, 6), null));
        Assert.False(heard.Reaches(new DateOnly(1977, 1, 1), new DateOnly(1977, 2, 27)));
    }

    [Fact]
    public async Task A_change_of_more_counties_than_a_notification_holds_is_the_whole_kind()
    {
        var change = new DataChange(DataKind.Overdoses);
        for (var i = 0; i <= DataChange.MaxCounties; i++)
        {
            change.Add($"{i:00000}", new DateOnly(1977, 3, 2), -76.6, 39.3);
        }

        Assert.True(change.Everything);
        Assert.Empty(change.Counties);
        var heard = await AnnouncedAsync(async connection => await change.RecordAsync(connection));
        Assert.True(heard.Everything);
    }

    [Fact]
    public async Task The_database_sends_the_whole_kind_when_a_payload_would_pass_its_limit()
    {
        // Counties of a length no FIPS has, so that few of them pass 7,000 bytes.
        var counties = Enumerable.Range(0, 100).Select(i => $"{i:000}-{new string('x', 80)}").ToArray();
        var heard = await AnnouncedAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT geoors_bump_touched('overdoses', $1, '1977-03-02', '1977-03-02', -76.6, 39.3, -76.6, 39.3)", connection);
            command.Parameters.AddWithValue(counties);
            return (long)(await command.ExecuteScalarAsync())!;
        });
        Assert.True(heard.Everything);
    }

    [Theory]
    [InlineData("keys", false, false)]
    [InlineData("alerts", false, false)]
    [InlineData("{not json", false, false)]
    [InlineData("""{"kind":"weather","version":3}""", false, false)]
    [InlineData("""["overdoses"]""", false, false)]
    [InlineData("""{"kind":"overdoses","version":3}""", true, true)]
    [InlineData("""{"kind":"seizures","version":3,"counties":["24510"],"days":["1977-03-02"],"box":[1,2,3,4]}""", true, true)]
    [InlineData("""{"kind":"seizures","version":3,"counties":[5],"days":["1977-03-02","1977-03-02"],"box":[1,2,3,4]}""", true, true)]
    [InlineData("""{"kind":"seizures","version":3,"counties":["24510"],"days":["1977-03-02","1977-03-02"],"box":[1,2,3,4]}""", true, false)]
    public void A_payload_is_a_change_of_a_kind_or_another_signal_and_an_unreadable_change_is_the_whole_kind(string payload, bool isChange, bool everything)
    {
        Assert.Equal(isChange, DataChange.TryParse(payload, out var change));
        if (isChange)
        {
            Assert.Equal(3, change.Version);
            Assert.Equal(everything, change.Everything);
        }
    }
}

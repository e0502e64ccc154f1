using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace GeoOrs.Server.Alerts;

/// <summary>Resolves host names for webhooks: a seam over <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> that tests replace.</summary>
internal interface IWebhookResolver
{
    /// <summary>The addresses of a host name.</summary>
    /// <param name="host">The name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The addresses.</returns>
    /// <exception cref="SocketException">The name does not resolve.</exception>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system's resolver.</summary>
internal sealed class DnsWebhookResolver : IWebhookResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>A webhook target refused because an address it resolves to is not a public one.</summary>
internal sealed class WebhookTargetBlockedException(string reason) : IOException(reason)
{
    /// <summary>Why, without the address: e.g. "a loopback address".</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Where webhooks may go. By default only public addresses: loopback, private (10/8, 172.16/12,
/// 192.168/16), carrier-grade NAT (100.64/10), link-local, unique-local (fc00::/7), site-local,
/// multicast, unspecified, broadcast and reserved addresses are refused, and so are IPv6 forms that
/// carry such an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4). A URL is checked when it is
/// registered (a literal address, or every address its name resolves to) and again at every delivery,
/// where <see cref="ConnectAsync"/> resolves the name, checks every address and connects to a checked
/// one itself, so a name that resolves elsewhere by the time of delivery (DNS rebinding) gets nowhere.
/// <c>Webhooks:AllowedHosts</c> admits internal receivers by name, address or CIDR.
/// </summary>
internal sealed class WebhookTargets
{
    private readonly IWebhookResolver _resolver;
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _networks = [];

    public WebhookTargets(IWebhookResolver resolver, IOptions<WebhooksOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _resolver = resolver;
        foreach (var entry in options.Value.AllowedHosts)
        {
            switch (WebhooksOptions.ParseAllowed(entry))
            {
                case IPNetwork network:
                    _networks.Add(network);
                    break;
                case string name:
                    _names.Add(name);
                    break;
            }
        }
    }

    /// <summary>Why a URL may not be registered, or null when it may. Names that do not resolve (yet) are taken: every delivery checks again.</summary>
    /// <param name="uri">An absolute http or https URL.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The reason, in words a subscriber can act on.</returns>
    public async Task<string?> RefusalAsync(Uri uri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"'{uri.Scheme}' URLs are not taken: webhooks go to http or https URLs";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "a URL with credentials (user:password@) is not taken: authenticate the receiver by the X-GeoOrs-Signature header, or put a token in the path or query";
        }

        var host = Host(uri.IdnHost);
        if (IPAddress.TryParse(host, out var literal))
        {
            return Blocked(literal) is { } why ? $"{literal} is {why}; webhooks go to public addresses (an admin can admit internal receivers with Webhooks:AllowedHosts)" : null;
        }

        if (_names.Contains(host))
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await _resolver.ResolveAsync(host, limit.Token);
        }
        catch (Exception e) when (e is SocketException or ArgumentException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null; // not resolvable now: every delivery resolves and checks it again
        }

        return addresses.Select(Blocked).FirstOrDefault(why => why is not null) is { } reason
            ? $"'{host}' resolves to {reason}; webhooks go to public addresses (an admin can admit internal receivers with Webhooks:AllowedHosts)"
            : null;
    }

    /// <summary>
    /// The connection of a delivery (<see cref="SocketsHttpHandler.ConnectCallback"/>): resolves the
    /// host, refuses it when any of its addresses is blocked, and connects to the checked addresses in turn.
    /// </summary>
    /// <param name="context">The host and port the handler wants.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <returns>The connected stream.</returns>
    /// <exception cref="WebhookTargetBlockedException">An address is not admitted.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = Host(context.DnsEndPoint.Host);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        if (!_names.Contains(host) && addresses.Select(Blocked).FirstOrDefault(why => why is not null) is { } reason)
        {
            throw new WebhookTargetBlockedException(reason);
        }

        SocketException? failure = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failure = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw failure!;
    }

    /// <summary>Why an address is refused ("a loopback address"), or null when it is public or admitted by <c>Webhooks:AllowedHosts</c>.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The reason.</returns>
    public string? Blocked(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (_networks.Any(n => n.Contains(plain)))
        {
            return null;
        }

        return Classify(address);
    }

    /// <summary>The kind of non-public address <paramref name="address"/> is ("a loopback address"), or null for a public one.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The kind, or null.</returns>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }

        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "the unspecified address";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "a loopback address";
        }

        // IPv6 forms that carry an IPv4 address the host or a gateway would reach.
        if (address.IsIPv4MappedToIPv6)
        {
            return ClassifyV4(b[12..]) is { } mapped ? $"{mapped} (IPv4-mapped)" : null;
        }

        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return "an IPv4-compatible address (deprecated)";
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..]) is { } nat64 ? $"{nat64} (NAT64)" : null;
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(b[2..6]) is { } sixToFour ? $"{sixToFour} (6to4)" : null;
        }

        return b[0] switch
        {
            0xff => "a multicast address",
            0xfc or 0xfd => "a unique-local address",
            0xfe when (b[1] & 0xc0) == 0x80 => "a link-local address",
            0xfe when (b[1] & 0xc0) == 0xc0 => "a site-local address",
            0x01 when b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0 => "a discard-only address",
            _ => null,
        };
    }

    private static string? ClassifyV4(byte[] b) => (b[0], b[1], b[2], b[3]) switch
    {
        (0, 0, 0, 0) => "the unspecified address",
        (255, 255, 255, 255) => "the broadcast address",
        (0, _, _, _) => "a reserved address (0.0.0.0/8)",
        (10, _, _, _) => "a private address",
        (100, >= 64 and <= 127, _, _) => "a carrier-grade NAT address",
        (127, _, _, _) => "a loopback address",
        (169, 254, _, _) => "a link-local address",
        (172, >= 16 and <= 31, _, _) => "a private address",
        (192, 0, 0, _) => "a reserved address (192.0.0.0/24)",
        (192, 168, _, _) => "a private address",
        (198, 18 or 19, _, _) => "a reserved address (198.18.0.0/15)",
        ( >= 224 and <= 239, _, _, _) => "a multicast address",
        ( >= 240, _, _, _) => "a reserved address (240.0.0.0/4)",
        _ => null,
    };

    /// <summary>A URL's host without the brackets of an IPv6 literal.</summary>
    private static string Host(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
}

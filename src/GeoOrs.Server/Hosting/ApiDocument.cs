using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GeoOrs.Data.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace GeoOrs.Server.Hosting;

/// <summary>
/// The REST API's OpenAPI 3.1 document at <c>/openapi/v1.json</c>, made by Microsoft.AspNetCore.OpenApi
/// from the endpoints' own metadata: their routes, parameters, bodies and typed results. On top of it
/// this adds the two ways to send a key (<c>Authorization: Bearer</c> and <c>X-Api-Key</c>), each
/// operation's roles read from its authorization policy (<c>x-geoors-roles</c> and a line of its
/// description), and the problem+json answers every operation may give (400, 401, 403, 429).
/// OGC API – Features keeps its own document at <c>/ogc/api</c>; the web map's pages and bundle, the
/// jobs dashboard and this reference are not part of the REST API.
/// </summary>
internal static class ApiDocument
{
    /// <summary>The document's name: it is served at <c>/openapi/v1.json</c>.</summary>
    public const string Name = "v1";

    /// <summary>The route of the document.</summary>
    public const string Route = "/openapi/{documentName}.json";

    /// <summary>The security scheme of <c>Authorization: Bearer KEY</c> (an API key or, when configured, a JWT).</summary>
    public const string BearerScheme = "bearer";

    /// <summary>The security scheme of <c>X-Api-Key: KEY</c>.</summary>
    public const string ApiKeyScheme = "apiKey";

    /// <summary>The extension that lists the roles an operation is open to (<c>public</c> for everyone).</summary>
    public const string RolesExtension = "x-geoors-roles";

    /// <summary>The schema of every problem+json answer (RFC 9457).</summary>
    private const string ProblemSchema = "Problem";

    public static WebApplicationBuilder AddGeoOrsApiDocument(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(Name, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddDocumentTransformer(DescribeAsync);
            o.AddOperationTransformer(AccessOfAsync);
            o.AddSchemaTransformer(WithoutDiscriminatorAsync);
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(Route);
        // The reference page: Scalar's script and styles are served from the package (no CDN, no web
        // fonts); nothing leaves the page but its requests to this server. Its inline start-up script
        // carries a fresh nonce, which the page's Content-Security-Policy admits (HttpHardening).
        app.MapScalarApiReference("/docs", o => o
            .WithTitle("GeoOrs API")
            .WithOpenApiRoutePattern(Route)
            .WithNonce()
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .HideDeveloperTools());
        return app;
    }

    /// <summary>
    /// Describes the JSON body a handler reads itself (through <see cref="JsonRequest"/>, with its size
    /// caps and its own 400s) as the record <typeparamref name="TBody"/>, with <paramref name="example"/>;
    /// unlike <c>Accepts</c>, it adds no content-type matching to the route, so a body of another type
    /// still gets the handler's 400.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<TBody>(this RouteHandlerBuilder builder, TBody example) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken),
                        Example = ExampleOf(example, context.ApplicationServices),
                    },
                },
            };
            operation.Responses ??= new OpenApiResponses();
            Problem(operation, context.Document!, StatusCodes.Status400BadRequest, "The request is not valid: the problem names the field or parameter.");
        });

    /// <summary>Gives the JSON body the framework binds (a record parameter of the handler) <paramref name="example"/>.</summary>
    public static RouteHandlerBuilder WithBodyExample<TBody>(this RouteHandlerBuilder builder, TBody example) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
            {
                media.Example = ExampleOf(example, context.ApplicationServices);
            }

            return Task.CompletedTask;
        });

    /// <summary>
    /// Describes the query parameters a handler reads from <see cref="HttpRequest.Query"/> itself, which
    /// the route's metadata cannot show, and the 400 that names a wrong or unknown one.
    /// </summary>
    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, IReadOnlyList<QueryParameter> parameters) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            var described = operation.Parameters ??= [];
            foreach (var parameter in parameters.Where(p => !described.Any(o => o.In == ParameterLocation.Query && o.Name == p.Name)).ToList())
            {
                described.Add(new OpenApiParameter
                {
                    Name = parameter.Name,
                    In = ParameterLocation.Query,
                    Description = parameter.Description,
                    Schema = new OpenApiSchema
                    {
                        Type = parameter.Type switch
                        {
                            "integer" => JsonSchemaType.Integer,
                            "number" => JsonSchemaType.Number,
                            "boolean" => JsonSchemaType.Boolean,
                            _ => JsonSchemaType.String,
                        },
                        Format = parameter.Format,
                        Enum = parameter.Values?.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
                    },
                });
            }

            operation.Responses ??= new OpenApiResponses();
            Problem(operation, context.Document!, StatusCodes.Status400BadRequest, "The request is not valid: the problem names the parameter (an unknown one too).");
            return Task.CompletedTask;
        });

    /// <summary>
    /// Describes a tile or legend answered as bytes of <paramref name="contentType"/> (not JSON): 200 with
    /// the bytes, 204 for a tile without features, 304 when the client's copy (If-None-Match) is current,
    /// 404 for a layer that does not exist.
    /// </summary>
    public static RouteHandlerBuilder WithBinaryResponse(this RouteHandlerBuilder builder, string contentType, string description) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            operation.Responses ??= new OpenApiResponses();
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [contentType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                },
            };
            operation.Responses["204"] = new OpenApiResponse { Description = "Nothing to draw: no feature falls in the tile, or the zoom is outside the layer's." };
            operation.Responses["304"] = new OpenApiResponse { Description = "The client's copy is current (its If-None-Match names the ETag)." };
            Problem(operation, context.Document!, StatusCodes.Status404NotFound, "No layer of this name draws such tiles.");
            return Task.CompletedTask;
        });

    /// <summary>
    /// An example as the API sends and takes it: the API's JSON names, members left null left out (a
    /// handler takes an absent member, not always a null one).
    /// </summary>
    private static JsonNode? ExampleOf<T>(T example, IServiceProvider services)
    {
        var api = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return JsonSerializer.SerializeToNode(example, new JsonSerializerOptions(api) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });
    }

    /// <summary>
    /// An answer of several shapes (<c>[JsonDerivedType]</c> without a discriminator) is written as the
    /// shape alone, with no <c>$type</c>: its schema is <c>anyOf</c> the shapes, without the discriminator
    /// and the required <c>$type</c> the generator gives every polymorphic type.
    /// </summary>
    private static Task WithoutDiscriminatorAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.PolymorphismOptions is { } polymorphism && polymorphism.DerivedTypes.All(d => d.TypeDiscriminator is null))
        {
            schema.Discriminator = null;
            schema.Required?.Remove(polymorphism.TypeDiscriminatorPropertyName);
            schema.Properties?.Remove(polymorphism.TypeDiscriminatorPropertyName);
        }

        return Task.CompletedTask;
    }

    /// <summary>The document's title, the key schemes and the problem schema.</summary>
    private static Task DescribeAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "GeoOrs",
            Version = "v1",
            Description = "The REST API of GeoOrs, a geospatial analytics and mapping server for overdose response. " +
                "Callers without a key are the public; a key (or an identity provider's token) carries one of the roles " +
                $"{string.Join(", ", Roles.Keyed)}. Each operation names the roles it is open to in `{RolesExtension}`. " +
                "Errors are problem+json (RFC 9457); a 400 names the field or parameter at fault. " +
                "OGC API – Features is described by its own document at /ogc/api.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (gok_…) as `Authorization: Bearer KEY`, or a JWT of the configured identity provider whose claims name the role and agency.",
        };
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "An API key (gok_…) as `X-Api-Key: KEY`.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(ProblemSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A problem (RFC 9457); a 400 adds `errors`, the messages by field or parameter.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
        });
        return Task.CompletedTask;
    }

    /// <summary>
    /// The roles the operation is open to, from its authorization metadata: the policies it requires
    /// and the role claims those policies accept. An operation without any is open to the public
    /// (some then answer keyed callers with more).
    /// </summary>
    private static async Task AccessOfAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var roles = await RolesAsync(metadata, context.ApplicationServices);
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[RolesExtension] = new JsonNodeExtension(new JsonArray([.. roles.Select(r => (JsonNode)JsonValue.Create(r))]));
        var line = roles is ["public"]
            ? "Open to the public (a key may see more)."
            : $"Needs an API key with the role {string.Join(", ", roles.SkipLast(1))}{(roles.Count > 1 ? " or " : "")}{roles[^1]}.";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? line : $"{operation.Description}\n\n{line}";

        var document = context.Document!;
        var schemes = new[] { BearerScheme, ApiKeyScheme }.Select(s => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(s, document)] = [],
        });
        // An open operation takes a key too (an empty requirement: none needed).
        operation.Security = roles is ["public"] ? [new OpenApiSecurityRequirement(), .. schemes] : [.. schemes];

        operation.Responses ??= new OpenApiResponses();
        var hasInput = operation.Parameters is { Count: > 0 } || operation.RequestBody is not null;
        if (hasInput)
        {
            Problem(operation, document, StatusCodes.Status400BadRequest, "The request is not valid: the problem names the field or parameter.");
        }

        Problem(operation, document, StatusCodes.Status401Unauthorized, roles is ["public"]
            ? "The credentials sent were not accepted (unknown, malformed or revoked key)."
            : "No credentials, or credentials that were not accepted.");
        if (roles is not ["public"])
        {
            Problem(operation, document, StatusCodes.Status403Forbidden, "The caller's role is not one of those this operation is open to.");
        }

        Problem(operation, document, StatusCodes.Status429TooManyRequests, "Over the requests per minute of the key or client address; retry after Retry-After seconds.");
    }

    /// <summary>Adds a problem+json answer unless the endpoint's typed results describe that status already.</summary>
    private static void Problem(OpenApiOperation operation, OpenApiDocument document, int status, string description)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(code, out var existing))
        {
            if (existing is OpenApiResponse response && string.IsNullOrEmpty(response.Description))
            {
                response.Description = description;
            }

            return;
        }

        operation.Responses[code] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
            },
        };
    }

    /// <summary>The role claims the endpoint's policies accept, in the order of <see cref="Roles.Keyed"/>; <c>public</c> without any.</summary>
    internal static async Task<IReadOnlyList<string>> RolesAsync(IEnumerable<object> metadata, IServiceProvider services)
    {
        var data = metadata.OfType<IAuthorizeData>().ToList();
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        if (data.Count == 0 || anonymous)
        {
            return ["public"];
        }

        var provider = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var policy = await AuthorizationPolicy.CombineAsync(provider, data);
        IEnumerable<string> allowed = Roles.Keyed;
        foreach (var requirement in policy?.Requirements.OfType<ClaimsAuthorizationRequirement>() ?? [])
        {
            if (requirement.ClaimType == GeoOrsClaims.Role && requirement.AllowedValues is { } values)
            {
                allowed = allowed.Intersect(values, StringComparer.Ordinal);
            }
        }

        return [.. allowed];
    }
}

# GeoOrs server image. The database is a separate PostGIS container (see docker-compose.yml).
FROM node:20-bookworm-slim AS web
WORKDIR /src
COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --no-audit --no-fund
COPY web/ web/
RUN mkdir -p src/GeoOrs.Server/wwwroot && cd web && npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig GeoOrs.sln ./
COPY src/ src/
COPY --from=web /src/src/GeoOrs.Server/wwwroot/dist/ src/GeoOrs.Server/wwwroot/dist/
RUN dotnet publish src/GeoOrs.Server/GeoOrs.Server.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY shapefiles/ /opt/geoors/shapefiles/
COPY tiles/ /opt/geoors/tiles/
ENV GEOORS_ROOT=/opt/geoors \
    ASPNETCORE_URLS=http://0.0.0.0:8080 \
    MALLOC_ARENA_MAX=2
USER app
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=5 CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["dotnet", "GeoOrs.Server.dll", "serve"]

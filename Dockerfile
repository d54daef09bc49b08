# syntax=docker/dockerfile:1
# Usher in a container: a self-contained single-file build on the runtime-deps image (no .NET runtime needed, no
# shell tools), run as a non-root user. The configuration comes from a volume:
#   docker build -t usher .
#   docker run -d --name usher -v /etc/usher:/etc/usher:ro -v usher-state:/var/lib/usher -p 6432:6432 -p 9646:9646 usher
# The admin endpoint is reached from outside the container only if /etc/usher/usher.json listens on 0.0.0.0:9646,
# which needs an Admin:TokenFile (README: Install, Docker).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# tests/Usher.EndToEnd.Tests/Packaging runs this same command (every RUN dotnet publish line of this file).
RUN dotnet publish src/Usher/Usher.csproj -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o /app
RUN mkdir -p /app/state

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0 AS runtime
COPY --from=build /app/usher /usr/local/bin/usher
# Peaks for `usher advise` (docs/advise.md), kept in a volume of their own, owned by the images' user (uid 1654).
COPY --from=build --chown=1654:1654 /app/state /var/lib/usher
ENV STATE_DIRECTORY=/var/lib/usher
# The images' own unprivileged user (uid 1654); ports 1024 and up need no capability.
USER $APP_UID
VOLUME ["/etc/usher", "/var/lib/usher"]
# The admin API and dashboard; the listeners' ports are the configuration's, published with -p.
EXPOSE 9646
ENTRYPOINT ["/usr/local/bin/usher"]
CMD ["run", "--config", "/etc/usher/usher.json"]

# lms-pipeline: runs `lms-pipeline ...` directly, and is the flow-run image of a Prefect docker or Kubernetes
# work pool (the worker supplies its own command, so there is no ENTRYPOINT). See docs/CONTAINERS.md.

# Any Debian bookworm image whose python3 is 3.11+ with the venv module; CI passes one it bootstraps locally.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
# On x86_64 every pinned dependency ships a wheel, so this stage needs no compiler; it keeps the source tree,
# the build backend and pip's downloads out of the final image. .dockerignore lets only the package in.
COPY . /src
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "/src[mssql]"

FROM ${BASE_IMAGE}
# Microsoft's ODBC Driver 18 needs packages.microsoft.com, which not every build host can reach.
ARG INSTALL_MSODBCSQL18=false
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Bookworm is a stable release: exact apt pins would only break at its next point release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends unixodbc tdsodbc \
 && printf '[FreeTDS]\nDescription=FreeTDS ODBC driver (SQL Server, TDS)\nDriver=%s\n' \
      "$(dpkg -L tdsodbc | grep '/libtdsodbc\.so$')" > /tmp/freetds.ini \
 && odbcinst -i -d -f /tmp/freetds.ini \
 && if [ "$INSTALL_MSODBCSQL18" = true ]; then \
      apt-get install -y --no-install-recommends ca-certificates curl gnupg \
      && curl -fsSL https://packages.microsoft.com/keys/microsoft.asc \
         | gpg --dearmor -o /usr/share/keyrings/microsoft-prod.gpg \
      && echo "deb [signed-by=/usr/share/keyrings/microsoft-prod.gpg]" \
              "https://packages.microsoft.com/debian/12/prod bookworm main" \
         > /etc/apt/sources.list.d/microsoft-prod.list \
      && apt-get update \
      && ACCEPT_EULA=Y apt-get install -y --no-install-recommends msodbcsql18 \
      && apt-get purge -y --auto-remove curl gnupg; \
    fi \
 && rm -rf /var/lib/apt/lists/* /tmp/freetds.ini

# A fixed numeric uid, so Kubernetes' runAsNonRoot can check it and volumes can be chowned to it.
# /data holds PREFECT_HOME and the result storage: mount a volume on /data/results to share cached results
# between flow runs. The folders are created here so that a new named volume inherits their owner.
RUN useradd --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin lms \
 && install -d -o 10001 -g 10001 /data /data/prefect /data/results /extracts

COPY --from=build /opt/venv /opt/venv

# PREFECT_UI_STATIC_DIRECTORY: `prefect server start` writes its UI files there; site-packages is read-only to us.
# LMS_PREFECT_SERVER=temporary: a container runs one command, so a command without PREFECT_API_URL uses Prefect's
# temporary server instead of leaving a local one running (README, "The Prefect server a command uses").
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PREFECT_HOME=/data/prefect \
    PREFECT_RESULTS_LOCAL_STORAGE_PATH=/data/results \
    PREFECT_UI_STATIC_DIRECTORY=/data/prefect/ui \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    LMS_PREFECT_SERVER=temporary \
    DO_NOT_TRACK=1

WORKDIR /data
USER 10001:10001
CMD ["lms-pipeline", "--help"]

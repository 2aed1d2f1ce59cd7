# posture in a container: `docker run --rm -v "$PWD:/work" posture scan inventory.toml`
# Small (python slim, no build tools in the final image), runs as a non-root user.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY scanner ./scanner
COPY checks ./checks
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && groupadd --gid 10001 posture \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin posture
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["posture"]
CMD ["--help"]

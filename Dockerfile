# factdesk: CPU-only image with the sample corpus, its index and the models baked in.
# docker build -t factdesk . && docker run -p 8000:8000 -v factdesk-data:/app/var factdesk
# With PostgreSQL and Redis: docker-compose.yml.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU build of torch first: otherwise pip resolves the CUDA build and its several GB of libraries.
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX_URL}"
WORKDIR /app
# Dependencies in their own layer, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
# EXTRAS=postgres,multilingual for FACTDESK_MULTILINGUAL=on (claims in other languages).
ARG EXTRAS=postgres
RUN mkdir factdesk && touch factdesk/__init__.py \
    && pip install ".[${EXTRAS}]" && pip uninstall -y factdesk
# The wheel, not the source tree: models and the sample corpus are package data.
COPY factdesk factdesk
COPY index index
COPY verify verify
COPY evaluation evaluation
COPY training training
COPY service service
COPY migrations migrations
RUN pip wheel --no-deps -w /tmp/dist . && pip install --no-deps /tmp/dist/factdesk-*.whl \
    && rm -rf /tmp/dist factdesk index verify evaluation training service migrations \
    && HF_HUB_OFFLINE=1 factdesk index build --out /app/index-sample

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 factdesk
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=factdesk:factdesk /app /app
WORKDIR /app
USER factdesk
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    FACTDESK_HOST=0.0.0.0 \
    FACTDESK_PORT=8000 \
    FACTDESK_INDEX_DIR=/app/index-sample \
    FACTDESK_DATABASE_URL=sqlite:////app/var/factdesk.db \
    FACTDESK_SEGMENTS_DIR=/app/var/segments
RUN mkdir -p /app/var
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["factdesk", "serve"]

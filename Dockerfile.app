# Any app folder apps/<APP>/ (app.toml, code, requirements.lock): one Dockerfile for all
# but the article's two, so that the only differences between images are their folders.
# Built by `python -m lab build` (or by `lab run --apps ./yours`) from a context holding
# exactly the folder, apps/gunicorn.conf.py, apps/payload.json and the wheels of the folder's lock,
# downloaded on the host: no network here. A user's folder appears as apps/<APP>/ too.
ARG BASE=lab/base:bookworm

FROM ${BASE} AS install
ARG APP
# Where the wheels are in the context: `wheels` in the lab's own build context,
# `.lab/wheels/<APP>` when compose.yaml builds from the working tree.
ARG WHEELS=wheels
COPY apps/${APP}/requirements.lock /tmp/requirements.lock
COPY ${WHEELS}/ /tmp/wheels/
# --require-hashes: every package, dependencies included, must match the lock's hash.
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --no-index --find-links /tmp/wheels --require-hashes -r /tmp/requirements.lock

# A second stage, so that the wheels never end up in a layer of the final image.
FROM ${BASE}
ARG APP
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin app
COPY --from=install /opt/venv /opt/venv
COPY apps/gunicorn.conf.py /app/gunicorn.conf.py
COPY apps/payload.json /app/payload.json
COPY apps/${APP}/ /app/
WORKDIR /app
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8000
# No default server: the lab starts each app with the command its app.toml and the
# fairness policy give (lab/model/fairness.py; compose.yaml spells each one out).
CMD ["python3", "-c", "raise SystemExit('start this image with its server command: see compose.yaml')"]

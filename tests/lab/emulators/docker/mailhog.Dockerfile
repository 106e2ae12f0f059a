# MailHog-compatible catcher (emulators/mailhog): speaks MailHog v1.0.1's SMTP + HTTP API, configured
# like the real image (same ports, same MH_* variables, non-root uid 1000). Extensions (--x-*, MHX_*)
# are opt-in. Never tag this image mailhog/mailhog: it is localhost/mailhog-compatible:<hash>.
# Built by ci/build-images.sh with `docker build --network=none`; needs python3 + aiosmtpd in BASE_IMAGE.
ARG BASE_IMAGE=localhost/debian-py:bookworm
FROM ${BASE_IMAGE}
COPY emulators/ /opt/emulators/emulators/
RUN rm -rf /opt/emulators/emulators/docker \
 && python3 -c 'import aiosmtpd' \
 && python3 -m compileall -q /opt/emulators/emulators \
 && (getent passwd 1000 >/dev/null || echo 'mailhog:x:1000:1000:mailhog:/home/mailhog:/bin/sh' >> /etc/passwd) \
 && (getent group 1000 >/dev/null || echo 'mailhog:x:1000:' >> /etc/group)
WORKDIR /opt/emulators
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    MH_SMTP_BIND_ADDR=0.0.0.0:1025 \
    MH_API_BIND_ADDR=0.0.0.0:8025 \
    MH_UI_BIND_ADDR=0.0.0.0:8025
USER 1000:1000
EXPOSE 1025 8025
ENTRYPOINT ["python3", "-m", "emulators.mailhog"]

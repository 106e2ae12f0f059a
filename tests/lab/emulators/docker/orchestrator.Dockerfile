# UiPath Orchestrator API emulator (test infrastructure, never presented as Orchestrator).
# Built by ci/build-images.sh with `docker build --network=none`; the build context is the emulators/
# tree only. BASE_IMAGE: any Debian/Python 3 image (bootstrapped locally by ci/build-base-image.sh
# when no registry is reachable). The emulator is standard library only.
ARG BASE_IMAGE=localhost/debian-py:bookworm
FROM ${BASE_IMAGE}
COPY emulators/ /opt/emulators/emulators/
RUN rm -rf /opt/emulators/emulators/docker \
 && python3 -m compileall -q /opt/emulators/emulators \
 && (getent passwd 1000 >/dev/null || echo 'emulator:x:1000:1000:emulator:/opt/emulators:/bin/sh' >> /etc/passwd) \
 && (getent group 1000 >/dev/null || echo 'emulator:x:1000:' >> /etc/group)
WORKDIR /opt/emulators
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 1000:1000
EXPOSE 8180
ENTRYPOINT ["python3", "-m", "emulators.orchestrator", "--bind", "0.0.0.0", "--port", "8180"]
CMD ["--profile", "2020.10"]

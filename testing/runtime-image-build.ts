// Dockerfiles and contexts shared by the builder's tests, the e2e test and the bench.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TarWriter } from '../runtime/images/tar-writer.js';

/** A base image whose ONBUILD trigger runs in builds FROM it. */
export const ONBUILD_BASE = `FROM busybox
ONBUILD RUN echo from-onbuild > /onbuild.txt
`;

/** Every instruction the builder knows (with ONBUILD_BASE tagged as \`base\`). */
export function everyInstruction(base: string): string {
  return `# escape=\\
ARG BASE=${base}
FROM \${BASE} AS build
RUN echo built > /built.txt
FROM busybox
ARG GREETING=hi
ARG TARGETARCH
ENV APP=/app MSG="hello world"
WORKDIR $APP
COPY --chown=nobody hello.txt sub/ ./
COPY . /ctx/
ADD files.tar ./unpacked/
COPY --from=build /built.txt /onbuild.txt ./
SHELL ["/bin/sh", "-c"]
RUN echo "$GREETING $MSG $TARGETARCH" > greet.txt && \\
    mkdir -p /data && rm -f /etc/group
RUN ["/bin/sh", "-c", "id -u > /app/uid-at-build"]
USER nobody
EXPOSE 8080/tcp 53/udp
LABEL org.example.a=b "with space"=yes
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=3 CMD cat /app/greet.txt
MAINTAINER someone
ONBUILD RUN echo child
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat greet.txt; id -u; pwd; echo $MSG"]
`;
}

/** The context of everyInstruction: a file, a directory, a tar for ADD, and a file .dockerignore leaves out. */
export function writeContext(dir: string, dockerfile: string): void {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  writeFileSync(join(dir, 'sub/a.txt'), 'a\n');
  writeFileSync(join(dir, 'secret.txt'), 'never copied\n');
  writeFileSync(join(dir, '.dockerignore'), 'secret.txt\n');
  writeFileSync(join(dir, 'files.tar'), new TarWriter().dir('d').file('d/f', 'from the tar\n').finish());
}

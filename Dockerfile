# Build: docker build -t sidecarctl .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/sidecarctl ./cmd/sidecarctl

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/sidecarctl /sidecarctl
USER 65532:65532
ENTRYPOINT ["/sidecarctl"]

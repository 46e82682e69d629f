/*
 * gs1-bench: GS1's syntax engine (github.com/gs1/gs1-syntax-engine, built outside the
 * repository; scripts/gs1-engine/build links this against it) on the corpus of
 * scripts/bench-gs1: every line through gs1_encoder_setScanData (parse and full validation),
 * repeatedly for SECONDS, on one core. The counterpart of `cargo bench --bench gs1_parse`.
 * Lotline's own code, not the engine's.
 *   gs1-bench CORPUS [SECONDS]
 * Prints "gs1-syntax-engine <version>\t<parses/s>\tparses/s\t(...)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gs1encoders.h"

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: gs1-bench CORPUS [SECONDS]\n");
		return 2;
	}
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	char **lines = NULL, *line = NULL;
	size_t n = 0, cap = 0, lines_cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (n == lines_cap) {
			lines_cap = lines_cap ? 2 * lines_cap : 1024;
			lines = realloc(lines, lines_cap * sizeof *lines);
			if (!lines)
				return 1;
		}
		lines[n++] = strdup(line);
	}
	fclose(f);
	gs1_encoder *ctx = gs1_encoder_init_ex(NULL, NULL);
	if (!ctx)
		return 1;
	/* Every datum must parse: a benchmark of error paths would flatter nobody. */
	for (size_t i = 0; i < n; i++) {
		if (!gs1_encoder_setScanData(ctx, lines[i])) {
			fprintf(stderr, "%s: %s\n", lines[i], gs1_encoder_getErrMsg(ctx));
			return 1;
		}
	}
	unsigned long long parses = 0, elements = 0;
	double start = now();
	while (now() - start < seconds) {
		for (size_t i = 0; i < n; i++) {
			if (gs1_encoder_setScanData(ctx, lines[i])) {
				char **hri;
				elements += (unsigned)gs1_encoder_getHRI(ctx, &hri);
			}
		}
		parses += n;
	}
	double rate = parses / (now() - start);
	printf("gs1-syntax-engine %s\t%.0f\tparses/s\t(%llu parses, %llu elements)\n",
	       gs1_encoder_getVersion(), rate, parses, elements);
	gs1_encoder_free(ctx);
	return 0;
}

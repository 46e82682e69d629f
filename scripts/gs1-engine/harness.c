/*
 * gs1-harness: Lotline's stdin harness on GS1's syntax engine (github.com/gs1/gs1-syntax-engine,
 * built outside the repository; scripts/gs1-engine/build links this against it). Lotline's own
 * code, not the engine's.
 *
 * One datum per line on stdin, one answer per line on stdout:
 *   ']' first                 -> gs1_encoder_setScanData(line)
 *   http(s):// or HTTP(S)://  -> gs1_encoder_setDataStr(line)      (Digital Link URI)
 *   '(' first                 -> gs1_encoder_setAIdataStr(line)    (bracketed)
 *   else                      -> gs1_encoder_setDataStr("^" + line with GS -> '^')
 * Answers: "OK" + "\t(AI) value" per element (gs1_encoder_getHRI), then with --dl
 * "\tDL=uri" (gs1_encoder_getDLuri, canonical stem) or "\tDL!" when it makes none;
 * "ERR\t" + the engine's message; "SKIP" for a non-URI line holding '^' or '|', which are the
 * engine's FNC1 and composite markers in its API and cannot be passed as data.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1encoders.h"

static bool is_uri(const char *s) {
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "HTTPS://", 8) == 0 ||
	       strncmp(s, "http://", 7) == 0 || strncmp(s, "HTTP://", 7) == 0;
}

int main(int argc, char **argv) {
	bool dl = argc > 1 && strcmp(argv[1], "--dl") == 0;
	gs1_encoder *ctx = gs1_encoder_init_ex(NULL, NULL);
	if (!ctx) {
		fprintf(stderr, "gs1_encoder_init failed\n");
		return 1;
	}
	static char out_buf[1 << 16];
	setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
	char *line = NULL, *data = NULL;
	size_t cap = 0, data_cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		bool ok;
		if (line[0] == ']') {
			if (strpbrk(line, "^|")) {
				fputs("SKIP\n", stdout);
				continue;
			}
			ok = gs1_encoder_setScanData(ctx, line);
		} else if (is_uri(line)) {
			ok = gs1_encoder_setDataStr(ctx, line);
		} else if (strpbrk(line, "^|")) {
			fputs("SKIP\n", stdout);
			continue;
		} else if (line[0] == '(') {
			ok = gs1_encoder_setAIdataStr(ctx, line);
		} else {
			if (data_cap < (size_t)len + 2) {
				data_cap = (size_t)len + 2;
				data = realloc(data, data_cap);
				if (!data)
					return 1;
			}
			data[0] = '^';
			for (ssize_t i = 0; i <= len; i++)
				data[i + 1] = line[i] == '\x1d' ? '^' : line[i];
			ok = gs1_encoder_setDataStr(ctx, data);
		}
		if (!ok) {
			fputs("ERR\t", stdout);
			fputs(gs1_encoder_getErrMsg(ctx), stdout);
			fputc('\n', stdout);
			continue;
		}
		char **hri;
		int n = gs1_encoder_getHRI(ctx, &hri);
		fputs("OK", stdout);
		for (int i = 0; i < n; i++) {
			fputc('\t', stdout);
			fputs(hri[i], stdout);
		}
		if (dl) {
			char *uri = gs1_encoder_getDLuri(ctx, NULL);
			if (uri) {
				fputs("\tDL=", stdout);
				fputs(uri, stdout);
			} else {
				fputs("\tDL!", stdout);
			}
		}
		fputc('\n', stdout);
	}
	free(line);
	free(data);
	gs1_encoder_free(ctx);
	return 0;
}

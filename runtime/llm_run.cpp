// The command-line driver llm-run, built in every out/ folder with its model.
//
//   llm-run --prompt "Once upon a time" --steps 64 --temperature 0
//
// Relies on runtime/llm.h (the model and the tokenizer) and runtime/llmrt.h (the sampler). Text
// goes to stdout as it is generated; errors and --verbose statistics go to stderr.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#elif defined(_WIN32)
#include "runtime/windows_api.h"
#endif

#include "runtime/driver.h"
#include "runtime/llm.h"
#include "runtime/llmrt.h"

namespace llm_run {
namespace {

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
               "  --chat-prompt TEXT   a user message, formatted by the model's chat template "
               "with the\n"
               "                       assistant's turn to follow; generation stops at the end "
               "of that turn\n"
               "  --chat               a conversation: each line of stdin is a user message "
               "(EOF ends it),\n"
               "                       each reply streamed to stdout and ended by a newline; "
               "the KV cache\n"
               "                       is kept between turns (a conversation that outgrows the "
               "context\n"
               "                       starts again from --system and the new message, with a "
               "note on stderr)\n"
               "  --system TEXT        a system message before --chat-prompt's or --chat's "
               "first\n"
               "  --steps N            new tokens to generate (default: 64; at most what fits "
               "in the context)\n"
               "  --ignore-eos         keep generating past EOS (default: stop at EOS, not "
               "printed)\n"
               "  --echo               print the prompt before the generated text (with "
               "--chat: each\n"
               "                       turn's new prompt tokens; as ids, on a line of their own)\n"
               "  --print-token-ids    print generated token ids, space-separated, instead of "
               "text\n"
               "  --dump-logits FILE   write float32 little-endian logits, one row of vocab_size "
               "per token\n"
               "                       fed to the model (prompt tokens, then each generated "
               "token fed back)\n"
               "  --threads N          threads for the kernels (default: all hardware threads)\n"
               "  --cpus 0,1,..|off    pin kernel thread t to entry t of the list, from 0 (Linux,\n"
               "                       Windows; thread 0 is this one); off: no pinning\n"
               "                       (default: CPU t for a model compiled with llmc --cores\n"
               "                       COUNTxSPEED,..., none otherwise)\n"
               "  --weights-budget N   bytes of the weight buffer of a model compiled with\n"
               "                       --weights-mode streamed (default: the compiled budget)\n"
               "  --verbose            timings and tokens/s on stderr (with --chat: per turn;\n"
               "                       streamed weights: bytes per token, the reader's wait)\n"
               "  --help               this text\n"
               "\n"
               "Sampling, applied in this order (runtime/llm.h, llm_sampler_params):\n"
               "  --repeat-penalty R   divide the positive logits of the tokens in the window "
               "by R,\n"
               "                       multiply the negative ones, once per token (default: 1 "
               "= off)\n"
               "  --presence-penalty P subtract P from the logits of the tokens in the window "
               "(default: 0)\n"
               "  --frequency-penalty F\n"
               "                       subtract F per occurrence in the window (default: 0)\n"
               "  --penalty-window N   the last N tokens, prompt and generated, that the "
               "penalties see\n"
               "                       (default: 0 = all of them)\n"
               "  --temperature T      0 = greedy (argmax after the penalties); default: 0.8\n"
               "  --top-k K            the K most likely tokens and any tied with the K-th "
               "(default: 0 = off)\n"
               "  --top-p P            nucleus sampling, 0 < P <= 1, 1 = off (default: 0.9)\n"
               "  --min-p P            only tokens at least P times as likely as the most "
               "likely\n"
               "                       (default: 0 = off)\n"
               "  --seed S             random seed, unsigned 64-bit (default: 0)\n"
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

// A sampling flag and the field of llm_sampler_params it sets: a float or an int32.
struct SamplingFlag {
  const char* flag;
  float llm_sampler_params::*real;
  int32_t llm_sampler_params::*integer;
};

const SamplingFlag k_sampling_flags[] = {
    {"--temperature", &llm_sampler_params::temperature, nullptr},
    {"--top-p", &llm_sampler_params::top_p, nullptr},
    {"--top-k", nullptr, &llm_sampler_params::top_k},
    {"--min-p", &llm_sampler_params::min_p, nullptr},
    {"--repeat-penalty", &llm_sampler_params::repetition_penalty, nullptr},
    {"--presence-penalty", &llm_sampler_params::presence_penalty, nullptr},
    {"--frequency-penalty", &llm_sampler_params::frequency_penalty, nullptr},
    {"--penalty-window", nullptr, &llm_sampler_params::penalty_window},
};

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

// "llm-run: " + before + the message + after, a line on stderr.
void report(const char* before, const char* after, const char* fmt, va_list args) {
  std::fprintf(stderr, "llm-run: %s", before);
  std::vfprintf(stderr, fmt, args);
  std::fprintf(stderr, "%s\n", after);
}

int usage_error(const char* fmt, ...) LLMRT_PRINTF(1, 2);
int usage_error(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  report("", " (see --help)", fmt, args);
  va_end(args);
  return k_exit_usage;
}

// Sets the field of flag f to value, which llm_sampler_params_check must then accept (the params
// were valid before, so a problem is this value's); returns -1 to go on, or an exit status.
int set_sampling(const SamplingFlag& f, const char* value, llm_sampler_params* params) {
  if (f.real != nullptr && !parse_float(value, &(params->*f.real))) {
    return usage_error("%s wants a number, got '%s'", f.flag, value);
  }
  int integer = 0;
  if (f.integer != nullptr) {
    if (!parse_int(value, INT32_MIN, INT32_MAX, &integer)) {
      return usage_error("%s wants an integer, got '%s'", f.flag, value);
    }
    params->*f.integer = integer;
  }
  char err[128];
  if (llm_sampler_params_check(params, err, sizeof(err)) != LLM_OK) {
    return usage_error("%s %s: %s", f.flag, value, err);
  }
  return -1;
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
    if (std::strcmp(arg, "--chat") == 0) { opts->chat = true; continue; }

    // Flags with a value: "--flag value" or "--flag=value".
    static const char* const k_valued[] = {"--weights", "--tokenizer", "--steps", "--seed",
                                           "--prompt", "--tokens", "--dump-logits", "--threads",
                                           "--chat-prompt", "--system", "--cpus",
                                           "--weights-budget"};
    const char* name = nullptr;
    const char* value = nullptr;
    const SamplingFlag* sampling = nullptr;
    auto match = [&](const char* flag) {
      size_t len = std::strlen(flag);
      if (std::strcmp(arg, flag) == 0) {
        name = flag;
        value = i + 1 < argc ? argv[++i] : nullptr;
        return true;
      }
      if (std::strncmp(arg, flag, len) == 0 && arg[len] == '=') {
        name = flag;
        value = arg + len + 1;
        return true;
      }
      return false;
    };
    for (const char* flag : k_valued) {
      if (match(flag)) break;
    }
    for (const SamplingFlag& f : k_sampling_flags) {
      if (name == nullptr && match(f.flag)) sampling = &f;
    }
    if (name == nullptr) return usage_error("unknown option '%s'", arg);
    if (value == nullptr) return usage_error("option '%s' needs a value", name);

    if (sampling != nullptr) {
      int status = set_sampling(*sampling, value, &opts->sampling);
      if (status >= 0) return status;
    } else if (std::strcmp(name, "--weights") == 0) {
      opts->weights = value;
    } else if (std::strcmp(name, "--tokenizer") == 0) {
      opts->tokenizer = value;
    } else if (std::strcmp(name, "--prompt") == 0) {
      opts->prompt = value;
    } else if (std::strcmp(name, "--chat-prompt") == 0) {
      opts->chat_prompt = value;
    } else if (std::strcmp(name, "--system") == 0) {
      opts->system = value;
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
    } else if (std::strcmp(name, "--weights-budget") == 0) {
      if (!parse_u64(value, &opts->weights_budget) || opts->weights_budget == 0) {
        return usage_error("--weights-budget wants a positive number of bytes, got '%s'", value);
      }
    } else if (std::strcmp(name, "--threads") == 0) {
      if (!parse_int(value, 1, 1024, &opts->threads)) {
        return usage_error("--threads wants an integer from 1 to 1024, got '%s'", value);
      }
    } else if (std::strcmp(name, "--cpus") == 0) {
      if (std::strcmp(value, "off") == 0) {
        opts->n_cpus = -1;
      } else if (!parse_token_list(value, &opts->cpus)) {
        return usage_error("--cpus wants comma-separated CPU numbers or 'off', got '%s'", value);
      } else {
        opts->n_cpus = static_cast<int>(opts->cpus.size());
      }
    } else if (std::strcmp(name, "--seed") == 0) {
      if (!parse_u64(value, &opts->sampling.seed)) {
        return usage_error("--seed wants an unsigned 64-bit integer, got '%s'", value);
      }
    }
  }
  if (opts->system != nullptr && opts->chat_prompt == nullptr && !opts->chat) {
    return usage_error("--system goes with --chat-prompt or --chat");
  }
  if (opts->chat_prompt != nullptr && (opts->tokens != nullptr || opts->prompt[0] != '\0')) {
    return usage_error("--chat-prompt replaces --prompt and --tokens");
  }
  if (opts->chat && (opts->chat_prompt != nullptr || opts->tokens != nullptr ||
                     opts->prompt[0] != '\0' || opts->dump_logits != nullptr)) {
    return usage_error("--chat reads the user's messages from stdin: no --prompt, --tokens, "
                       "--chat-prompt or --dump-logits");
  }
  return -1;
}



// Pins this thread, thread 0 of the kernels, to `cpu` (--cpus' first entry), which the runtime
// leaves to the application: 0, or the error number. Linux and Windows; elsewhere 0.
int pin_this_thread(int cpu) {
#if defined(_WIN32)
  if (cpu < 0 || cpu >= int(sizeof(DWORD_PTR) * 8)) return EINVAL;
  return SetThreadAffinityMask(GetCurrentThread(), DWORD_PTR(1) << cpu) != 0 ? 0 : EINVAL;
#elif defined(__linux__)
  if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : errno;
#else
  (void)cpu;
  return 0;
#endif
}

int write_stdout(const char* text, size_t len, void*) {
  std::fwrite(text, 1, len, stdout);
  std::fflush(stdout);
  return 0;
}

// Prints one token: its id, or its text (after prev) once the characters it is part of are whole.
void print_token(Run* run, int32_t prev, int32_t token) {
  if (run->opts.print_token_ids) {
    std::printf(run->first_id ? "%d" : " %d", token);
    run->first_id = false;
    std::fflush(stdout);
  } else {
    size_t len = 0;
    const char* text = llm_token_to_bytes(run->tokenizer, prev, token, &len);
    llmrt_utf8_stream_push(&run->stream, text, len, write_stdout, nullptr);
  }
}

bool write_rows(std::FILE* f, const float* rows, size_t count) {
  return std::fwrite(rows, sizeof(float), count, f) == count;
}

// Builds run->prompt from --chat-prompt (and --system) by the model's chat template.
int build_chat_prompt(Run* run) {
  const Options& o = run->opts;
  for (const char* text : {o.system, o.chat_prompt}) {
    if (text == nullptr) continue;
    int status = refuse_invalid_utf8(text == o.system ? "--system" : "--chat-prompt", text,
                                     std::strlen(text));
    if (status != k_exit_ok) return status;
  }
  llm_chat_message messages[2] = {{"system", o.system}, {"user", o.chat_prompt}};
  const llm_chat_message* first = o.system != nullptr ? messages : messages + 1;
  const int n = o.system != nullptr ? 2 : 1;
  char err[512];
  int count = 0;
  llm_status s = llm_chat_tokenize(run->tokenizer, first, n, 1, nullptr, 0, &count, err,
                                   sizeof(err));
  if (s == LLM_ERR_ARGUMENT && count > 0) {
    run->prompt.resize(static_cast<size_t>(count));
    s = llm_chat_tokenize(run->tokenizer, first, n, 1, run->prompt.data(), count, &count, err,
                          sizeof(err));
  }
  if (s != LLM_OK) return fail("%s: %s", o.tokenizer, err);
  return k_exit_ok;
}

// Builds run->prompt from --chat-prompt, --tokens or --prompt.
int build_prompt(Run* run, int vocab) {
  const Options& o = run->opts;
  if (o.chat_prompt != nullptr) {
    int status = build_chat_prompt(run);
    if (status != k_exit_ok) return status;
  } else if (o.tokens != nullptr) {
    parse_token_list(o.tokens, &run->prompt);
  } else {
    size_t len = std::strlen(o.prompt);
    int invalid = refuse_invalid_utf8("the prompt", o.prompt, len);
    if (invalid != k_exit_ok) return invalid;
    run->prompt.resize(llmrt_tokenizer_max_tokens(len));
    int count = 0;
    llm_status s = llm_tokenize(run->tokenizer, o.prompt, len, o.no_bos ? 0 : 1,
                                run->prompt.data(), static_cast<int>(run->prompt.size()), &count);
    if (s == LLM_ERR_NO_TOKENIZER) {
      return fail("%s has no tokenizer (the model was compiled without one): give the prompt as "
                  "token ids with --tokens",
                  o.tokenizer);
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

// Opens the model and, where text or EOS needs it, the tokenizer.
int open_model(Run* run) {
  Options& o = run->opts;
  char err[512];
  if (!o.cpus.empty()) {
    int error = pin_this_thread(o.cpus[0]);
    if (error != 0)
      return fail("cannot pin thread 0 to CPU %d: %s", o.cpus[0], std::strerror(error));
  }
  const bool embedded =
      o.weights == nullptr && llm_compiled_weights_mode() == LLM_WEIGHTS_EMBEDDED;
  const char* weights =
      embedded || o.weights != nullptr ? o.weights : LLM_MODEL_DIR "/weights.bin";
  llm_open_options open = {};
  open.weights_path = weights;  // NULL: the weights compiled into the program
  open.n_threads = o.threads;
  open.cpus = o.cpus.data();
  open.n_cpus = o.n_cpus;
  open.weights_budget = static_cast<size_t>(o.weights_budget);
  if (llm_open_with_options(&open, &run->model, err, sizeof(err)) != LLM_OK)
    return fail("%s", err);
  llm_stream_stats stream;
  if (o.verbose && llm_get_stream_stats(run->model, &stream) == LLM_OK) {
    std::fprintf(stderr,
                 "llm-run: weights streamed (%s): budget %llu bytes, %llu in use; the first %d "
                 "of %d layers resident, the rest read per token (%s)\n",
                 weights, stream.budget_bytes, stream.buffer_bytes, stream.resident_layers,
                 stream.layers, stream.direct_io ? "O_DIRECT" : "through the page cache");
  } else if (o.verbose) {
    std::fprintf(stderr, "llm-run: weights %s (%s)\n",
                 llm_weights_mode_name(embedded ? LLM_WEIGHTS_EMBEDDED : LLM_WEIGHTS_MAPPED),
                 embedded ? "part of the program" : weights);
  }
  const int vocab = llm_vocab_size(run->model);

  // The tokenizer is needed for text in or out, and for EOS. When only EOS needs it and there is
  // no such file, ids in and out still work: generation then runs for --steps tokens.
  const bool need_text = o.chat || o.tokens == nullptr || !o.print_token_ids;
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
  // Generation stops at EOS; a chat's reply also at the end of its turn (Llama 3's <|eot_id|>;
  // it may end with <|end_of_text|> too).
  if (!o.ignore_eos) {
    const int32_t eos = llm_tokenizer_eos(run->tokenizer);
    const int32_t end_of_turn = o.chat || o.chat_prompt != nullptr
                                    ? llm_chat_end_of_turn(run->tokenizer) : -1;
    if (end_of_turn >= 0) run->stops.push_back(end_of_turn);
    if (eos >= 0 && eos != end_of_turn) run->stops.push_back(eos);
  }
  // The penalties see the prompt and the generated tokens, as llm_generate's do.
  if (llmrt_sampler_init(&run->sampler, &o.sampling, vocab, llm_context_length(run->model)) !=
      LLM_OK) {
    return fail("cannot set up the sampler");
  }
  return k_exit_ok;
}

bool is_stop(const Run& run, int32_t token) {
  for (int32_t stop : run.stops) {
    if (token == stop) return true;
  }
  return false;
}

}  // namespace

// The steps llm_run_chat.cpp shares, declared with what each does in driver.h.

int fail(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  report("error: ", "", fmt, args);
  va_end(args);
  return k_exit_error;
}

void end_line(Run* run) {
  llmrt_utf8_stream_flush(&run->stream, write_stdout, nullptr);
  run->first_id = true;
  std::printf("\n");
  std::fflush(stdout);
}

int refuse_invalid_utf8(const char* what, const char* text, size_t len) {
  size_t valid = llmrt_utf8_valid_prefix(text, len);
  if (valid == len) return k_exit_ok;
  return fail("%s is not valid UTF-8 (byte %zu, 0x%02X)", what, valid,
              static_cast<unsigned>(static_cast<unsigned char>(text[valid])));
}

void echo(Run* run, const int32_t* ids, int n, int32_t prev) {
  for (int i = 0; i < n; ++i) {
    print_token(run, prev, ids[i]);
    prev = ids[i];
  }
  if (run->opts.chat && run->opts.print_token_ids) end_line(run);
}

int prefill(Run* run, const int32_t* ids, int n, double* out_seconds) {
  const int vocab = llm_vocab_size(run->model);
  if (run->dump != nullptr) run->logits.resize(static_cast<size_t>(n) * vocab);
  auto t0 = std::chrono::steady_clock::now();
  llm_status s = llm_prefill(run->model, ids, n, run->dump != nullptr ? run->logits.data() : nullptr);
  if (s != LLM_OK) {
    return fail("prefill of %d tokens failed: %s%s%s", n, llm_status_string(s),
                *llm_error_message(run->model) != '\0' ? ": " : "", llm_error_message(run->model));
  }
  *out_seconds = seconds_since(t0);
  llmrt_sampler_accept(&run->sampler, ids, n);
  if (run->dump != nullptr && !write_rows(run->dump, run->logits.data(), run->logits.size())) {
    return fail("%s: write failed", run->opts.dump_logits);
  }
  return k_exit_ok;
}

int generate(Run* run, int32_t prev, int steps, std::vector<int32_t>* out_tokens, int* out_fed,
             double* out_seconds) {
  const int vocab = llm_vocab_size(run->model);
  auto t0 = std::chrono::steady_clock::now();
  int generated = 0;
  *out_fed = 0;
  while (generated < steps) {
    int32_t token = llmrt_sample(&run->sampler, llm_logits(run->model));
    if (is_stop(*run, token)) break;
    llmrt_sampler_accept(&run->sampler, &token, 1);
    print_token(run, prev, token);
    out_tokens->push_back(token);
    ++generated;
    if (generated == steps) break;
    llm_status s = llm_decode(run->model, token, nullptr);
    if (s != LLM_OK) {
      return fail("decode at position %d failed: %s%s%s", llm_position(run->model),
                  llm_status_string(s), *llm_error_message(run->model) != '\0' ? ": " : "",
                  llm_error_message(run->model));
    }
    ++*out_fed;
    if (run->dump != nullptr &&
        !write_rows(run->dump, llm_logits(run->model), static_cast<size_t>(vocab))) {
      return fail("%s: write failed", run->opts.dump_logits);
    }
    prev = token;
  }
  *out_seconds = seconds_since(t0);
  return k_exit_ok;
}

void print_rate(const char* what, int tokens, double seconds) {
  std::fprintf(stderr, "%s %d tokens in %.3f s (%.1f tokens/s)", what, tokens, seconds,
               seconds > 0 ? tokens / seconds : 0.0);
}

void print_stream_stats(const llm_model* model) {
  llm_stream_stats st;
  if (llm_get_stream_stats(model, &st) != LLM_OK) return;
  const int streamed = st.layers - st.resident_layers;
  const double passes = streamed > 0 ? double(st.layers_read) / streamed : 0;
  std::fprintf(stderr,
               "llm-run: streamed %.0f bytes per token (%d layers), %llu bytes in %.0f passes; "
               "waited %.3f s for the reader\n",
               passes > 0 ? double(st.bytes_read) / passes : 0.0, streamed, st.bytes_read,
               passes, st.wait_seconds);
}

namespace {

// One prompt (--prompt, --tokens, --chat-prompt), one reply.
int run_once(Run* run) {
  Options& o = run->opts;
  const int vocab = llm_vocab_size(run->model);
  const int context = llm_context_length(run->model);
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
  if (o.dump_logits != nullptr) {
    run->dump = std::fopen(o.dump_logits, "wb");
    if (run->dump == nullptr) {
      return fail("%s: cannot open for writing (%s)", o.dump_logits, std::strerror(errno));
    }
  }
  if (o.echo) echo(run, run->prompt.data(), n_prompt, -1);
  double prefill_s = 0, decode_s = 0;
  status = prefill(run, run->prompt.data(), n_prompt, &prefill_s);
  if (status != k_exit_ok) return status;
  std::vector<int32_t> generated;
  int fed = 0;
  status = generate(run, run->prompt.back(), o.steps, &generated, &fed, &decode_s);
  if (status != k_exit_ok) return status;
  end_line(run);
  if (run->dump != nullptr) {
    int rc = std::fclose(run->dump);
    run->dump = nullptr;
    if (rc != 0) return fail("%s: write failed", o.dump_logits);
  }
  if (o.verbose) {
    std::fprintf(stderr, "llm-run: %d threads\n", llm_threads(run->model));
    print_rate("llm-run: prompt", n_prompt, prefill_s);
    print_rate("\nllm-run: generated", static_cast<int>(generated.size()), decode_s);
    std::fprintf(stderr, "\n");
    print_stream_stats(run->model);
  }
  return k_exit_ok;
}

int run_main(Run* run) {
  int status = open_model(run);
  if (status != k_exit_ok) return status;
  return run->opts.chat ? run_chat(run) : run_once(run);
}

}  // namespace
}  // namespace llm_run

int main(int argc, char** argv) {
  llm_run::Run run;
  int status = llm_run::parse_args(argc, argv, &run.opts);
  if (status >= 0) return status;
  return llm_run::run_main(&run);
}

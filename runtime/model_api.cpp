// model_api.cpp - the C API of a compiled model (llm_open .. llm_threads), the same for every
// model: it checks the arguments, keeps the position, splits a prompt into prefill calls and
// copies logits, and runs the model through the description its model.cpp defines
// (llmrt_compiled_model: sizes, weight table, prefill/decode/head).
#include <cstring>
#include <new>

#include "runtime/llmrt.h"

namespace {

const llmrt_model_desc& model() { return llmrt_compiled_model; }

llmrt_arena_layout arena_layout() {
  const llmrt_model_desc& d = model();
  return llmrt_arena_layout_of(d.weight_count, d.activation_bytes, d.prefill_tokens,
                               d.hidden_size, d.vocab_size, d.context_length);
}

/// Starts n_threads threads for the kernels, pinned as the open options said; on failure the
/// model keeps the threads it had and err (may be NULL) says why.
llm_status start_threads(llm_model* m, int n_threads, char* err, size_t err_len) {
  if (n_threads < 1) return LLM_ERR_ARGUMENT;
  if (model().pool_create != nullptr) {
    llmrt_pinning pinning = {nullptr, 0, false};
    if (m->n_cpus > 0) {
      pinning = {m->cpus, m->n_cpus, true};
    } else if (m->n_cpus == 0) {
      pinning.count = model().described_cores;
    }
    llmrt_pool* pool = nullptr;
    llm_status status = model().pool_create(n_threads, &pinning, &pool, err, err_len);
    if (status != LLM_OK) return status;
    model().pool_free(m->pool);
    m->pool = pool;
  }
  m->threads = n_threads;  // without a pool, the kernels run on the calling thread
  return LLM_OK;
}

llm_status check_tokens(const llm_model* m, const int32_t* tokens, int n_tokens) {
  if (tokens == nullptr || n_tokens < 0) return LLM_ERR_ARGUMENT;
  if (n_tokens > model().context_length - m->position) return LLM_ERR_CONTEXT_FULL;
  for (int i = 0; i < n_tokens; ++i)
    if (tokens[i] < 0 || tokens[i] >= model().vocab_size) return LLM_ERR_ARGUMENT;
  return LLM_OK;
}

}  // namespace

LLMRT_NAMESPACE_BEGIN
void* llmrt_model_sampler_scratch(llm_model* m) {
  return m->memory.arena + arena_layout().sampler_scratch;
}
LLMRT_NAMESPACE_END

extern "C" {

void llm_memory_requirements(llm_memory_sizes* out_sizes) {
  if (out_sizes == nullptr) return;
  out_sizes->arena_bytes = arena_layout().bytes;
  out_sizes->kv_cache_bytes = 2 * model().kv_cache_floats * sizeof(float);
  out_sizes->alignment = 64;
}

// Every open ends here. llmrt_open_model checks the options, takes the caller's buffers or
// allocates them and opens the weights; then the llm_model is built at the start of the arena
// and the weights are bound into the Weights after it.
llm_status llm_open_with_options(const llm_open_options* options, llm_model** out_model,
                                 char* err, size_t err_len) {
  if (out_model == nullptr) {
    llmrt_format_error(err, err_len, "llm_open_with_options: out_model is NULL");
    return LLM_ERR_ARGUMENT;
  }
  *out_model = nullptr;
  if (model().missing_cpu_features != nullptr) {
    char missing[160];
    model().missing_cpu_features(missing, sizeof missing);
    if (missing[0] != '\0') {
      llmrt_format_error(err, err_len,
                         "this CPU lacks%s, which the model's kernels were compiled for: compile "
                         "the model for a target this CPU has (llmc compile --target)",
                         missing);
      return LLM_ERR_UNSUPPORTED;
    }
  }
  llm_memory_sizes sizes;
  llm_memory_requirements(&sizes);
  llmrt_model_memory memory;
  llmrt_blob blob;
  llm_status status = llmrt_open_model(options, &sizes, model().embedded, model().weights_mode,
                                       &memory, &blob, err, err_len);
  if (status != LLM_OK) return status;
  const llmrt_model_desc& d = model();
  const llmrt_arena_layout layout = arena_layout();
  llm_model* m = new (memory.arena) llm_model();
  m->blob = blob;
  m->memory = memory;
  m->weights = memory.arena + layout.weights;
  m->arena = memory.arena + layout.activations;
  m->hidden = reinterpret_cast<float*>(memory.arena + layout.hidden);
  m->logits = reinterpret_cast<float*>(memory.arena + layout.logits);
  m->key_cache = memory.kv_cache;
  m->value_cache = memory.kv_cache + d.kv_cache_floats;
  if (d.stream != nullptr) {
    uint64_t budget = options->weights_budget != 0 ? options->weights_budget : d.weights_budget;
    status = d.stream->open(options->weights_path, d.weights, d.weight_count, d.stream_units,
                            d.stream_unit_count, budget, memory.arena + layout.weights,
                            &m->stream, err, err_len);
  } else {
    status = llmrt_bind_weights(&m->blob, d.weights, d.weight_count,
                                memory.arena + layout.weights, err, err_len);
  }
  if (status != LLM_OK) {
    llm_close(m);
    return status;
  }
  m->cpus = options->cpus;
  m->n_cpus = options->n_cpus;
  int threads = options->n_threads > 0 ? options->n_threads : llmrt_default_threads();
  char why[160] = "";
  status = start_threads(m, threads, why, sizeof why);
  if (status != LLM_OK) {
    llm_close(m);
    llmrt_format_error(err, err_len, "cannot start %d threads for the kernels%s%s", threads,
                       why[0] != '\0' ? ": " : "", why);
    return status;
  }
  *out_model = m;
  return LLM_OK;
}

llm_status llm_open(const char* weights_path, llm_model** out_model, char* err, size_t err_len) {
  llm_open_options options = {};
  options.weights_path = weights_path;
  return llm_open_with_options(&options, out_model, err, err_len);
}

llm_status llm_open_memory(const void* weights, size_t size, llm_model** out_model, char* err,
                           size_t err_len) {
  llm_open_options options = {};
  options.weights = weights;
  options.weights_bytes = size;
  return llm_open_with_options(&options, out_model, err, err_len);
}

void llm_close(llm_model* m) {
  if (m == nullptr) return;
  if (model().pool_free != nullptr) model().pool_free(m->pool);
  if (model().stream != nullptr) model().stream->close(m->stream);
  llmrt_blob_free(&m->blob);
  llmrt_model_memory memory = m->memory;  // m lives in the arena: release it last
  llmrt_model_memory_free(&memory);
}

// A new pool first: if it cannot start, the model keeps the threads it had.
llm_status llm_set_threads(llm_model* m, int n_threads) {
  return start_threads(m, n_threads, nullptr, 0);
}

llm_weights_mode llm_compiled_weights_mode(void) { return model().weights_mode; }
int llm_threads(const llm_model* m) { return m->threads; }
int llm_vocab_size(const llm_model*) { return model().vocab_size; }
int llm_context_length(const llm_model*) { return model().context_length; }
int llm_position(const llm_model* m) { return m->position; }
void llm_reset(llm_model* m) { m->position = 0; }
llm_status llm_rewind(llm_model* m, int position) {
  if (m == nullptr || position < 0 || position > m->position) return LLM_ERR_ARGUMENT;
  m->position = position;  // the cache rows from here on are written again before they are read
  return LLM_OK;
}
const float* llm_logits(const llm_model* m) { return m->logits; }

const char* llm_error_message(const llm_model* m) {
  return m != nullptr && m->stream != nullptr ? model().stream->error(m->stream) : "";
}

llm_status llm_get_stream_stats(const llm_model* m, llm_stream_stats* out) {
  if (out == nullptr) return LLM_ERR_ARGUMENT;
  std::memset(out, 0, sizeof(*out));
  if (m == nullptr || m->stream == nullptr) return LLM_ERR_ARGUMENT;
  model().stream->stats(m->stream, out);
  return LLM_OK;
}

// Runs the prompt in calls of up to prefill_tokens tokens. Only the last token's logits are
// computed unless the caller asks for every position's (out_logits): the classifier is the
// largest matrix, so a prompt pays for it once.
llm_status llm_prefill(llm_model* m, const int32_t* tokens, int n_tokens, float* out_logits) {
  llm_status status = check_tokens(m, tokens, n_tokens);
  if (status != LLM_OK) return status;
  const llmrt_model_desc& d = model();
  const size_t vocab = size_t(d.vocab_size), hidden_size = size_t(d.hidden_size);
  for (int done = 0; done < n_tokens;) {
    int n = n_tokens - done < d.prefill_tokens ? n_tokens - done : d.prefill_tokens;
    const float* hidden = d.prefill(m, tokens + done, n);  // (n, hidden_size)
    if (hidden == nullptr) return LLM_ERR_IO;  // streamed weights: llm_error_message says why
    m->position += n;
    done += n;
    if (out_logits != nullptr) {
      std::memcpy(m->hidden, hidden, sizeof(float) * size_t(n) * hidden_size);
      const float* logits = d.head(m, m->hidden, n);  // (n, vocab): resident weights only
      std::memcpy(out_logits + size_t(done - n) * vocab, logits, sizeof(float) * size_t(n) * vocab);
      std::memcpy(m->logits, logits + size_t(n - 1) * vocab, sizeof(float) * vocab);
    } else if (done == n_tokens) {
      std::memcpy(m->hidden, hidden + size_t(n - 1) * hidden_size, sizeof(float) * hidden_size);
      std::memcpy(m->logits, d.head(m, m->hidden, 1), sizeof(float) * vocab);
    }
  }
  return LLM_OK;
}

llm_status llm_decode(llm_model* m, int32_t token, float* out_logits) {
  llm_status status = check_tokens(m, &token, 1);
  if (status != LLM_OK) return status;
  const size_t vocab = size_t(model().vocab_size);
  const float* logits = model().decode(m, &token);  // (1, vocab)
  if (logits == nullptr) return LLM_ERR_IO;  // streamed weights: llm_error_message says why
  std::memcpy(m->logits, logits, sizeof(float) * vocab);
  if (out_logits != nullptr) std::memcpy(out_logits, logits, sizeof(float) * vocab);
  m->position += 1;
  return LLM_OK;
}

}  // extern "C"

// open.cpp - the part of opening a model that every model shares: checking llm_open_options,
// taking the caller's arena and KV cache (or allocating them) and opening the weights.
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

const char k_who[] = "llm_open_with_options";

// A caller's buffer `name` of `bytes` bytes: NULL with size 0 (the runtime allocates one), or at
// least `need` bytes at a multiple of `alignment`.
llm_status check_buffer(const char* name, const void* buffer, size_t bytes, size_t need,
                        size_t alignment, char* err, size_t err_len) {
  if (buffer == nullptr) {
    if (bytes == 0) return LLM_OK;
    llmrt_format_error(err, err_len,
                       "%s: %s_bytes is %zu but %s is NULL (leave both unset to have it "
                       "allocated)",
                       k_who, name, bytes, name);
    return LLM_ERR_ARGUMENT;
  }
  if (bytes < need) {
    llmrt_format_error(err, err_len,
                       "%s: %s is %zu bytes but the model needs %zu (llm_memory_requirements)",
                       k_who, name, bytes, need);
    return LLM_ERR_ARGUMENT;
  }
  size_t misalignment = reinterpret_cast<uintptr_t>(buffer) % alignment;
  if (misalignment != 0) {
    llmrt_format_error(err, err_len,
                       "%s: %s at %p is not %zu-byte aligned (%zu bytes past a boundary)", k_who,
                       name, buffer, alignment, misalignment);
    return LLM_ERR_ARGUMENT;
  }
  return LLM_OK;
}

// Everything that can be wrong with the options without reading the weights.
llm_status check_options(const llm_open_options* o, const llm_memory_sizes* sizes,
                         const llmrt_embedded_weights* embedded, llm_weights_mode mode, char* err,
                         size_t err_len) {
  if (mode == LLM_WEIGHTS_STREAMED && o->weights_path == nullptr) {
    llmrt_format_error(err, err_len,
                       "%s: the model streams its weights from a file: set weights_path (not "
                       "weights)",
                       k_who);
    return LLM_ERR_ARGUMENT;
  }
  if (mode != LLM_WEIGHTS_STREAMED && o->weights_budget != 0) {
    llmrt_format_error(err, err_len,
                       "%s: weights_budget is %zu but the model was compiled with weights mode %s "
                       "(a budget needs llmc compile --weights-mode streamed)",
                       k_who, o->weights_budget, llm_weights_mode_name(mode));
    return LLM_ERR_ARGUMENT;
  }
  if (o->weights_path != nullptr && o->weights != nullptr) {
    llmrt_format_error(err, err_len, "%s: set weights_path or weights (not both)", k_who);
    return LLM_ERR_ARGUMENT;
  }
  if (o->weights_path == nullptr && o->weights == nullptr && embedded == nullptr) {
    llmrt_format_error(err, err_len,
                       "%s: set weights_path or weights (neither is set, and the model was not "
                       "compiled with its weights: llmc compile --weights-mode embedded)",
                       k_who);
    return LLM_ERR_ARGUMENT;
  }
  if (o->weights == nullptr && o->weights_bytes != 0) {
    llmrt_format_error(err, err_len, "%s: weights_bytes is %zu but weights is NULL", k_who,
                       o->weights_bytes);
    return LLM_ERR_ARGUMENT;
  }
  if (o->n_threads < 0) {
    llmrt_format_error(err, err_len,
                       "%s: n_threads is %d (0: every hardware thread, 1: the calling thread)",
                       k_who, o->n_threads);
    return LLM_ERR_ARGUMENT;
  }
  if (o->n_cpus < -1 || (o->n_cpus > 0 && o->cpus == nullptr)) {
    llmrt_format_error(err, err_len,
                       "%s: n_cpus is %d with cpus %s (-1: no pinning, 0: the default, N: N "
                       "CPUs in cpus)",
                       k_who, o->n_cpus, o->cpus == nullptr ? "NULL" : "set");
    return LLM_ERR_ARGUMENT;
  }
  llm_status status = check_buffer("arena", o->arena, o->arena_bytes, sizes->arena_bytes,
                                   sizes->alignment, err, err_len);
  if (status != LLM_OK) return status;
  return check_buffer("kv_cache", o->kv_cache, o->kv_cache_bytes, sizes->kv_cache_bytes,
                      sizes->alignment, err, err_len);
}

// The weights compiled into the program, validated like any blob, and then checked to be the
// blob the code was compiled with: a weights.bin replaced before the build holds a valid blob
// that the code must not run.
llm_status open_embedded(const llmrt_embedded_weights* embedded, llmrt_blob* out_blob, char* err,
                         size_t err_len) {
  const char name[] = "weights compiled into the program";
  llm_status status = llmrt_blob_open_memory(embedded->data, size_t(*embedded->bytes), name,
                                             out_blob, err, err_len);
  if (status != LLM_OK) return status;
  if (out_blob->header->table_checksum != embedded->table_checksum) {
    llmrt_format_error(err, err_len,
                       "%s: the blob's table checksum is %016llx but the code was compiled for "
                       "%016llx (weights.bin was replaced after llmc compile: compile the model "
                       "again)",
                       name, static_cast<unsigned long long>(out_blob->header->table_checksum),
                       static_cast<unsigned long long>(embedded->table_checksum));
    llmrt_blob_free(out_blob);
    return LLM_ERR_FORMAT;
  }
  return LLM_OK;
}

// The caller's buffer, or `bytes` from llmrt_alloc (*out_owned) when it gave none.
void* take_buffer(void* buffer, size_t bytes, bool* out_owned) {
  *out_owned = buffer == nullptr;
  return buffer != nullptr ? buffer : llmrt_alloc(bytes);
}

}  // namespace

llm_status llmrt_open_model(const llm_open_options* options, const llm_memory_sizes* sizes,
                            const llmrt_embedded_weights* embedded, llm_weights_mode mode,
                            llmrt_model_memory* out_memory, llmrt_blob* out_blob, char* err,
                            size_t err_len) {
  std::memset(out_memory, 0, sizeof(*out_memory));
  std::memset(out_blob, 0, sizeof(*out_blob));
  if (options == nullptr) {
    llmrt_format_error(err, err_len, "%s: options is NULL", k_who);
    return LLM_ERR_ARGUMENT;
  }
  llm_status status = check_options(options, sizes, embedded, mode, err, err_len);
  if (status != LLM_OK) return status;

  llmrt_model_memory* m = out_memory;
  m->arena = static_cast<unsigned char*>(
      take_buffer(options->arena, sizes->arena_bytes, &m->arena_owned));
  m->kv_cache = static_cast<float*>(
      take_buffer(options->kv_cache, sizes->kv_cache_bytes, &m->kv_cache_owned));
  if (m->arena == nullptr || m->kv_cache == nullptr) {
    llmrt_format_error(err, err_len, "out of memory for the arena (%zu bytes) and KV cache (%zu)",
                       sizes->arena_bytes, sizes->kv_cache_bytes);
    llmrt_model_memory_free(m);
    return LLM_ERR_NO_MEMORY;
  }
  if (mode == LLM_WEIGHTS_STREAMED) {
    return LLM_OK;  // the caller's stream reads the weights (llmrt_stream_ops)
  } else if (options->weights_path != nullptr) {
    status = llmrt_blob_load(options->weights_path, out_blob, err, err_len);
  } else if (options->weights != nullptr) {
    status = llmrt_blob_open_memory(options->weights, options->weights_bytes, "weights in memory",
                                    out_blob, err, err_len);
  } else {
    status = open_embedded(embedded, out_blob, err, err_len);
  }
  if (status != LLM_OK) llmrt_model_memory_free(m);
  return status;
}

void llmrt_model_memory_free(llmrt_model_memory* memory) {
  if (memory == nullptr) return;
  if (memory->arena_owned) llmrt_free(memory->arena);
  if (memory->kv_cache_owned) llmrt_free(memory->kv_cache);
  std::memset(memory, 0, sizeof(*memory));
}

LLMRT_NAMESPACE_END

// llmrt.h - the runtime's internal API, used by generated model.cpp and by llm-run.
//
// C++17 without exceptions or RTTI; the standard library only. Functions return llm_status and
// write results through out_ parameters; on failure they fill err (may be NULL) with a message
// that names the file and the problem.
#ifndef LLMC_RUNTIME_LLMRT_H
#define LLMC_RUNTIME_LLMRT_H

#include <cstddef>
#include <cstdint>
#include <cstdio>  // MinGW: __MINGW_PRINTF_FORMAT, for LLMRT_PRINTF
#include <cstring>

#include "runtime/blob_format.h"
#include "runtime/llm.h"
#include "runtime/namespace.h"

LLMRT_NAMESPACE_BEGIN

// ---- errors and memory ------------------------------------------------------------------------

/// Marks a printf-like function for the compiler's format checks. MinGW's C++ printf family is
/// its own C99 one (__USE_MINGW_ANSI_STDIO: %zu, %lld), not Microsoft's, so checked as GNU's.
#if defined(__MINGW_PRINTF_FORMAT)
#define LLMRT_PRINTF(fmt_index, first_arg) \
  __attribute__((format(__MINGW_PRINTF_FORMAT, fmt_index, first_arg)))
#elif defined(__GNUC__)
#define LLMRT_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define LLMRT_PRINTF(fmt_index, first_arg)
#endif

/// snprintf into err (if not NULL); always NUL-terminates.
void llmrt_format_error(char* err, size_t err_len, const char* fmt, ...) LLMRT_PRINTF(3, 4);

/// 64-byte aligned, zero-filled; NULL on failure. Release with llmrt_free.
void* llmrt_alloc(size_t bytes);
void llmrt_free(void* ptr);

/// Reads a whole file into a buffer from llmrt_alloc (64-byte aligned, release with llmrt_free).
/// LLM_ERR_IO if it cannot be opened or read, LLM_ERR_NO_MEMORY if it does not fit in memory.
llm_status llmrt_read_file(const char* path, unsigned char** out_data, size_t* out_size, char* err,
                           size_t err_len);

/// Who holds a run of bytes the runtime reads, so that the one who frees knows how.
enum llmrt_storage : uint32_t {
  LLMRT_STORAGE_BORROWED = 0,  // the caller's memory (flash, a linker section): left alone
  LLMRT_STORAGE_HEAP = 1,      // from llmrt_alloc: llmrt_free
  LLMRT_STORAGE_MAPPED = 2,    // a read-only file mapping: unmapped
};

/// Maps a whole file read-only (mmap on POSIX systems: pages load on first touch and stay shared
/// with the page cache), or reads it into a 64-byte aligned llmrt_alloc buffer where there is no
/// mmap or the file cannot be mapped (empty, not a regular file). Either way the bytes are
/// 64-byte aligned. Errors as llmrt_read_file. Release with llmrt_unmap_file.
llm_status llmrt_map_file(const char* path, const unsigned char** out_data, size_t* out_size,
                          llmrt_storage* out_storage, char* err, size_t err_len);
void llmrt_unmap_file(const unsigned char* data, size_t size, llmrt_storage storage);

/// Maps `path` and hands its bytes to open(data, size, storage), which takes them on success;
/// if it fails they are unmapped. Returns the status of the mapping or of open.
template <typename Open>
llm_status llmrt_open_mapped(const char* path, char* err, size_t err_len, const Open& open) {
  const unsigned char* data = nullptr;
  size_t size = 0;
  llmrt_storage storage = LLMRT_STORAGE_BORROWED;
  llm_status status = llmrt_map_file(path, &data, &size, &storage, err, err_len);
  if (status != LLM_OK) return status;
  status = open(data, size, storage);
  if (status != LLM_OK) llmrt_unmap_file(data, size, storage);
  return status;
}

// ---- weights.bin ------------------------------------------------------------------------------

struct llmrt_blob {
  const unsigned char* data;         // (size) the whole blob, 64-byte aligned in memory; read-only
  size_t size;
  const llmrt_blob_header* header;   // points into data
  const llmrt_tensor_entry* table;   // (header->tensor_count) points into data
  llmrt_storage storage;             // mapped, heap, or the caller's (llmrt_blob_free's business)
  char path[256];                    // the file it was loaded from, for messages (may be cut short)
};

/// Maps the file (llmrt_map_file) and validates it like llmrt_blob_open_memory.
llm_status llmrt_blob_load(const char* path, llmrt_blob* out_blob, char* err, size_t err_len);
/// Uses size bytes at data in place, without a copy, after validating them before anything uses
/// them: magic, version, file size, table bounds and checksum, every tensor's dtype, dims, size,
/// alignment, range (inside the data region, no overlap) and checksum. data must be 64-byte
/// aligned (the tensors inside are) and stay valid and unchanged until llmrt_blob_free, which
/// leaves it alone. `name` starts every message (a path, or "weights in memory").
/// LLM_ERR_ARGUMENT for a NULL or misaligned data, LLM_ERR_FORMAT for bad content.
llm_status llmrt_blob_open_memory(const void* data, size_t size, const char* name,
                                  llmrt_blob* out_blob, char* err, size_t err_len);
/// The checks of llmrt_blob_open_memory that need no tensor bytes (header, table checksum, every
/// entry, no overlap), on the first `available` bytes of a blob of `size` bytes: the header and
/// table up to the data region are enough. For streamed weights, whose bytes are checked as they
/// are read. `name` starts every message.
llm_status llmrt_blob_check_table(const unsigned char* data, size_t available, uint64_t size,
                                  const char* name, char* err, size_t err_len);
/// Releases what the blob holds (unmaps, frees, or nothing for borrowed bytes) and zeroes it.
void llmrt_blob_free(llmrt_blob* blob);

/// Binds the tensor the generated code expects at table position `index`: checks its name, dtype
/// and dims (ndim entries) and returns a pointer to its data.
llm_status llmrt_blob_tensor(const llmrt_blob* blob, uint32_t index, const char* name,
                             uint32_t dtype, const uint64_t* dims, uint32_t ndim,
                             const void** out_data, char* err, size_t err_len);

/// llmrt_blob_tensor's checks without the pointer: a blob whose data is not in memory (streamed)
/// needs only header, table and path.
llm_status llmrt_blob_check_tensor(const llmrt_blob* blob, uint32_t index, const char* name,
                                   uint32_t dtype, const uint64_t* dims, uint32_t ndim, char* err,
                                   size_t err_len);

/// One tensor the generated code expects in weights.bin, at the same position of the blob's
/// table: its name, dtype and dims, and where its pointer goes.
struct llmrt_weight_spec {
  const char* name;
  uint32_t dtype;                 // llmrt_dtype
  uint32_t ndim;
  uint64_t dims[LLMRT_MAX_DIMS];  // (ndim) the rest 0
  size_t offset;                  // of the pointer in the model's Weights struct (offsetof)
};

/// Binds every tensor of `table` (count entries) as llmrt_blob_tensor does, in order, writing
/// each data pointer at `weights` + offset. Checks first that the blob holds exactly `count`
/// tensors. Stops at the first mismatch (LLM_ERR_FORMAT, err names the file and the tensor).
llm_status llmrt_bind_weights(const llmrt_blob* blob, const llmrt_weight_spec* table,
                              uint32_t count, void* weights, char* err, size_t err_len);
/// llmrt_bind_weights' checks without binding (the data need not be in memory).
llm_status llmrt_check_weights(const llmrt_blob* blob, const llmrt_weight_spec* table,
                               uint32_t count, char* err, size_t err_len);

// ---- opening a model -----------------------------------------------------------------------

/// Where a model's arena and KV cache live: the caller's buffers or the runtime's.
struct llmrt_model_memory {
  unsigned char* arena;   // (sizes->arena_bytes) the model's state first, then its buffers
  float* kv_cache;        // (sizes->kv_cache_bytes / 4) keys of every layer, then values
  bool arena_owned;       // from llmrt_alloc: llmrt_model_memory_free releases it
  bool kv_cache_owned;
};

/// weights.bin as part of the program (llmc compile --weights-mode embedded): the generated
/// weights_embedded.cpp defines one from the symbols weights_embedded.S (or, where the assembler
/// route does not fit, a byte array) defines. The blob's table checksum is the one the compiler
/// wrote, so a weights.bin replaced before the program was built is refused, not run.
struct llmrt_embedded_weights {
  const unsigned char* data;      // (*bytes) 64-byte aligned, read-only
  const uint64_t* bytes;          // a symbol beside the data: its size is known at link time
  uint64_t table_checksum;        // llmrt_blob_header::table_checksum of the compiled blob
};

/// Defined only in a program compiled with its weights, by the generated weights_embedded.cpp.
extern const llmrt_embedded_weights llmrt_compiled_weights;

/// The part of llm_open_with_options that is the same for every model: checks every option
/// against `sizes` (one source of weights, n_threads >= 0, each caller buffer big enough and
/// aligned, a NULL buffer only with size 0) before any work, takes the caller's buffers or
/// allocates the missing ones, then opens the weights (mapped, or in place in memory) and
/// validates them. All or nothing: on failure nothing is held.
/// Without a source of weights in the options, `embedded` (NULL: none, an error) is opened.
/// LLM_WEIGHTS_STREAMED (`mode`) needs weights_path and leaves the weights to llmrt_stream_ops
/// (out_blob stays empty); a weights_budget needs that mode.
llm_status llmrt_open_model(const llm_open_options* options, const llm_memory_sizes* sizes,
                            const llmrt_embedded_weights* embedded, llm_weights_mode mode,
                            llmrt_model_memory* out_memory, llmrt_blob* out_blob, char* err,
                            size_t err_len);
/// Frees the buffers the runtime allocated; leaves the caller's alone.
void llmrt_model_memory_free(llmrt_model_memory* memory);

// ---- tokenizer.bin ----------------------------------------------------------------------------

struct llmrt_tokenizer {
  const unsigned char* data; // (size) the whole tokenizer.bin; pieces point into it
  size_t size;
  llmrt_storage storage;     // mapped, heap, or the caller's (llmrt_tokenizer_free's business)
  void* index;               // one llmrt_alloc block: pieces .. special_lengths below
  uint32_t vocab_size;
  int32_t bos_id;            // -1 if none
  int32_t eos_id;            // -1 if none
  uint32_t flags;            // LLMRT_TOKENIZER_* bits (version 1's ADD_DUMMY_PREFIX cleared)
  uint32_t model;            // llmrt_tokenizer_model
  uint32_t pretokenizer;     // llmrt_pretokenizer
  uint32_t dummy_prefix;     // llmrt_dummy_prefix
  uint32_t chat_template;    // llmrt_chat_template
  const char** pieces;       // (vocab_size) pointers into data; not NUL-terminated
  uint32_t* piece_lengths;   // (vocab_size)
  uint32_t* types;           // (vocab_size) llmrt_token_type
  float* scores;             // (vocab_size) merge priority without merges: higher merges first
  int32_t* sorted_ids;       // (vocab_size) ids sorted by (piece bytes, id), for lookups
  uint32_t max_token_bytes;  // longest piece, bytes
  int32_t unk_id;            // first LLMRT_TOKEN_UNKNOWN token, -1 if none
  int32_t byte_ids[256];     // the token each byte starts as (SentencePiece: "<0xNN>", the
                             // fallback; byte-level: the one-byte piece), -1 if none
  uint32_t merge_count;      // merge records; 0: merges by score
  const unsigned char* merges;  // (merge_count, 12 bytes) llmrt_merge_record in data, unaligned
  int32_t* merge_order;      // (merge_count) merge ranks sorted by (left, right), for lookups
  // What finding special tokens (control and unknown) in text looks at:
  uint32_t special_first_bytes[8];  // bit b set: a special token's piece starts with byte b
  unsigned char* special_lengths;   // (max_token_bytes + 1) non-zero: a special piece that long
  // encode's working memory, kept between calls so that encoding does not allocate:
  char* pair;                // (2 * max_token_bytes) a concatenation of two pieces; in index
  int32_t* work;             // (2 * work_tokens) the ids so far, then their merge candidates
  size_t work_tokens;        // llmrt_tokenizer_max_tokens of the longest text so far
};

/// Tokens of working memory a tokenizer starts with: llmrt_tokenizer_max_tokens(1022), so texts
/// of up to 1022 bytes encode without allocating. A longer text grows it once to fit (and it
/// stays that size).
static const size_t LLMRT_TOKENIZER_WORK_TOKENS = 1535;

/// Maps tokenizer.bin (llmrt_map_file) and opens it as llmrt_tokenizer_open_memory does.
llm_status llmrt_tokenizer_load(const char* path, llmrt_tokenizer* out_tokenizer, char* err,
                                size_t err_len);
/// Validates size bytes of tokenizer.bin at data (any alignment) and builds the lookup index,
/// the one allocation; pieces point into data, which must outlive the tokenizer. `name` starts
/// every message. LLM_ERR_ARGUMENT for NULL data, LLM_ERR_FORMAT for bad content.
llm_status llmrt_tokenizer_open_memory(const void* data, size_t size, const char* name,
                                       llmrt_tokenizer* out_tokenizer, char* err, size_t err_len);
void llmrt_tokenizer_free(llmrt_tokenizer* tokenizer);

/// The token whose piece is exactly `piece` (len bytes) and whose type is `type`, or -1.
/// Binary search over sorted_ids; the lowest such id if several.
int32_t llmrt_tokenizer_lookup(const llmrt_tokenizer* tokenizer, const char* piece, size_t len,
                               uint32_t type);

/// Merge record `rank` (< merge_count).
inline llmrt_merge_record llmrt_tokenizer_merge(const llmrt_tokenizer* tokenizer, uint32_t rank) {
  llmrt_merge_record m;
  std::memcpy(&m, tokenizer->merges + size_t(rank) * sizeof(m), sizeof(m));
  return m;
}

/// Finds the merge record of the adjacent pair left, right: returns its rank (its position among
/// the records) and sets *out_result to the token they merge into; -1 if the pair does not
/// merge. Binary search over merge_order.
int32_t llmrt_tokenizer_find_merge(const llmrt_tokenizer* tokenizer, int32_t left, int32_t right,
                                   int32_t* out_result);

/// The bytes `token` stands for when it follows `prev_token`: a control token is empty,
/// "<0xNN>" is one byte, a normal token its piece (less its leading space when it is the first
/// piece after BOS and the tokenizer adds a dummy prefix), an unknown token its piece text,
/// e.g. "<unk>"; an id out of range is empty. Sets *out_len; the result is not NUL-terminated
/// and lives as long as the tokenizer (byte tokens point into a static table).
const char* llmrt_tokenizer_decode(const llmrt_tokenizer* tokenizer, int32_t prev_token,
                                   int32_t token, size_t* out_len);

/// The most token ids a text of len bytes encodes to (BOS and dummy prefixes included).
size_t llmrt_tokenizer_max_tokens(size_t len);

/// len bytes of text to token ids. With LLMRT_TOKENIZER_PARSE_SPECIAL, special tokens whose text
/// appears (the leftmost, then the longest) are those tokens and split the text into runs;
/// otherwise the whole text is one run. Each run gets its dummy prefix, is cut into pre-tokens
/// (llmrt_pretokenizer) and each pre-token becomes its starting tokens (llmrt_tokenizer_model;
/// with LLMRT_TOKENIZER_WHOLE_PIECES a pre-token that is a normal piece is that token), which
/// then merge: with merge records, the listed adjacent pair of the earliest record first;
/// without, the adjacent pair whose concatenation is the normal piece with the highest score
/// (the leftmost on ties either way). Only normal pieces are looked up or merged into. With
/// add_bos, BOS comes first. Writes at most max_tokens ids and sets *out_count to the number of
/// ids the text needs; LLM_ERR_ARGUMENT if they do not fit, or if a byte-level or pre-tokenized
/// text is not valid UTF-8; LLM_ERR_FORMAT if a byte has no token and there is no <unk>. Works
/// in the tokenizer's working memory, so one text at a time per tokenizer; allocates only to
/// grow it for a text longer than any before (LLM_ERR_NO_MEMORY if that fails).
llm_status llmrt_tokenizer_encode(llmrt_tokenizer* tokenizer, const char* text, size_t len,
                                  int add_bos, int32_t* out_tokens, int max_tokens,
                                  int* out_count);

/// llmrt_tokenizer_encode with special tokens' text read as those tokens whatever the flags say:
/// for prompts a chat template wrote, which spell BOS, EOS and the turn markers as text.
llm_status llmrt_tokenizer_encode_with_specials(llmrt_tokenizer* tokenizer, const char* text,
                                                size_t len, int add_bos, int32_t* out_tokens,
                                                int max_tokens, int* out_count);

// ---- chat templates (chat.cpp) ------------------------------------------------------------------

/// Checks that the tokenizer has the tokens its chat template writes: BOS and EOS for Llama 2,
/// BOS and the control tokens <|start_header_id|>, <|end_header_id|> and <|eot_id|> for Llama 3,
/// EOS for Zephyr; and that an ids-only tokenizer has none. LLM_ERR_FORMAT naming the file
/// (`name`) and the token otherwise.
llm_status llmrt_chat_check_tokens(const llmrt_tokenizer* tokenizer, const char* name, char* err,
                                   size_t err_len);

// ---- text: UTF-8 and Unicode classes ------------------------------------------------------------

/// The classes of code points Llama 3's pre-tokenizer tells apart: \p{L}, \p{N} and \s.
enum llmrt_cp_class : uint8_t {
  LLMRT_CP_OTHER = 0,
  LLMRT_CP_LETTER = 1,  // General_Category L*
  LLMRT_CP_NUMBER = 2,  // General_Category N*
  LLMRT_CP_SPACE = 3,   // White_Space
};
/// The class of code point cp under Unicode 16.0 (unicode_classes.cpp, generated).
llmrt_cp_class llmrt_code_point_class(uint32_t cp);

/// How many leading bytes of text[0..len) are whole, valid UTF-8 characters (len if all):
/// no stray continuation bytes, overlong forms, surrogates or code points above U+10FFFF.
size_t llmrt_utf8_valid_prefix(const char* text, size_t len);

/// The code point at text[pos] of valid UTF-8 text in *out_cp; returns where the next one starts.
size_t llmrt_utf8_decode(const char* text, size_t pos, uint32_t* out_cp);

/// Token bytes on their way to text pieces (utf8_stream.cpp): a piece never ends inside a
/// UTF-8 character. Zero-initialise it. Bytes that cannot become a valid character are passed
/// through unchanged, so the pieces put together are exactly the bytes pushed.
struct llmrt_utf8_stream {
  char held[4];  // (n_held) the start of a character the next bytes may complete
  size_t n_held;
};
/// Emits bytes[0..len) after what was held, except a trailing incomplete character, which it
/// holds: at most two calls of emit. Returns false as soon as emit returns non-zero.
bool llmrt_utf8_stream_push(llmrt_utf8_stream* stream, const char* bytes, size_t len,
                            llm_text_callback emit, void* user_data);
/// Emits what is held (an incomplete character at the end of the text, as it is).
bool llmrt_utf8_stream_flush(llmrt_utf8_stream* stream, llm_text_callback emit, void* user_data);

/// Where the Llama 3 pre-token that starts at byte `start` (< len) of the valid UTF-8 text ends.
size_t llmrt_llama3_pretoken_end(const char* text, size_t len, size_t start);

// ---- a compiled model ------------------------------------------------------------------------

/// A persistent pool of threads for the kernels (below, threads.cpp).
struct llmrt_pool;
/// Where the pool's workers run (below).
struct llmrt_pinning;

/// What the C API (model_api.cpp) needs to know of the model it runs: the generated model.cpp
/// defines one, llmrt_compiled_model, with its sizes, its weight table and its graph.
struct llmrt_model_desc {
  int vocab_size;
  int context_length;
  int prefill_tokens;        // tokens per prefill() and head() call, at most
  int hidden_size;
  size_t activation_bytes;   // the activations llm-plan-memory placed in the arena
  size_t kv_cache_floats;    // per cache (keys, values): sum over layers of context * kv_dim
  const llmrt_weight_spec* weights;  // (weight_count) the tensors weights.bin must hold, in order
  uint32_t weight_count;
  /// n <= prefill_tokens tokens at positions m->position ..: their final hidden states
  /// (n, hidden_size), in the arena.
  const float* (*prefill)(llm_model* m, const int32_t* tokens, int n);
  /// One token at position m->position: its logits (1, vocab_size), in the arena.
  const float* (*decode)(llm_model* m, const int32_t* tokens);
  /// The final norm and classifier: n <= prefill_tokens hidden states to their logits
  /// (n, vocab_size), in the arena.
  const float* (*head)(llm_model* m, const float* hidden, int n);
  /// The kernels' thread pool (llmrt_pool_create and llmrt_pool_free), or both NULL where the
  /// kernels run on the calling thread (the folder then has no threads.cpp).
  llm_status (*pool_create)(int n_threads, const llmrt_pinning* pinning,
                            llmrt_pool** out_pool, char* err, size_t err_len);
  void (*pool_free)(llmrt_pool* pool);
  /// Writes the instruction sets the kernels were compiled for that this CPU lacks, each after a
  /// space ("" when it has them all); NULL for portable kernels. llm_open refuses such a CPU
  /// rather than let a kernel die on an illegal instruction.
  void (*missing_cpu_features)(char* out, size_t out_len);
  /// How the weights are held (llmc compile --weights-mode).
  llm_weights_mode weights_mode;
  /// The weights compiled into the program (LLM_WEIGHTS_EMBEDDED), else NULL.
  const llmrt_embedded_weights* embedded;
  /// The cores of a `llmc compile --cores` description (its static split runs part t on
  /// thread t, and llm_open pins thread t to CPU t by default); 0 for a count of equal cores,
  /// whose parts go to whichever thread is free. Only such models write it.
  int described_cores = 0;
  /// LLM_WEIGHTS_STREAMED: the reader (&llmrt_stream_reader, stream.cpp), else NULL; and the
  /// budget of llmc compile --weights-budget, the default of llm_open_options' weights_budget.
  const struct llmrt_stream_ops* stream = nullptr;
  uint64_t weights_budget = 0;
  /// LLM_WEIGHTS_STREAMED: the table index of each stream unit's first tensor (stream_plan.h),
  /// ascending; a unit runs to the next one's start or its layer's end.
  const uint32_t* stream_units = nullptr;
  uint32_t stream_unit_count = 0;
};

// ---- streamed weights (stream.cpp) ------------------------------------------------------------

/// The weights of a model compiled with --weights-mode streamed, read from weights.bin while it
/// runs: one per open model (llm_model::stream).
struct llmrt_stream;

/// How model_api.cpp reaches stream.cpp, which only streamed models' folders hold (it needs a
/// thread library): the generated model.cpp points llmrt_model_desc::stream at
/// llmrt_stream_reader.
struct llmrt_stream_ops {
  /// Validates the header and table of `path` (no tensor bytes), checks them against the model's
  /// `specs` (count) and the layers' tensors against the stream units (`units`, unit_count: as
  /// llmrt_model_desc::stream_units), plans the buffer for `budget` bytes (stream_plan.h:
  /// LLM_ERR_ARGUMENT when nothing fits), reads and checks the resident tensors, binds every
  /// resident tensor into `weights` and starts the reader thread. All or nothing.
  llm_status (*open)(const char* path, const llmrt_weight_spec* specs, uint32_t count,
                     const uint32_t* units, uint32_t unit_count, uint64_t budget, void* weights,
                     llmrt_stream** out_stream, char* err, size_t err_len);
  /// Stops the reader and releases everything. NULL is ignored.
  void (*close)(llmrt_stream* stream);
  void (*stats)(const llmrt_stream* stream, llm_stream_stats* out);
  /// Why the last llmrt_stream_unit failed ("" if it did not).
  const char* (*error)(const llmrt_stream* stream);
};
extern const llmrt_stream_ops llmrt_stream_reader;

/// Called by the generated code before a kernel call that reads the weights of stream unit
/// `unit`: waits until its tensors are in memory, points its Weights members at them and starts
/// reading the next streamed unit into the other buffer. false after a read error or a checksum
/// mismatch (llm_error_message says which); the caller then returns NULL and the C API
/// LLM_ERR_IO.
bool llmrt_stream_unit(llm_model* m, int unit);

/// The model of this program (or of this API prefix): defined by the generated model.cpp.
extern const llmrt_model_desc llmrt_compiled_model;

/// llm_generate's sampler scratch inside the model's arena: llmrt_sampler_scratch_bytes of
/// llm_vocab_size(model) and llm_context_length(model) (no call sees more tokens than the context
/// holds), so generating allocates nothing.
void* llmrt_model_sampler_scratch(llm_model* model);

// ---- threads ----------------------------------------------------------------------------------

/// Which CPUs a pool's workers run on. Thread 0 is the thread that calls llmrt_pool_run, which
/// the runtime never pins (it is the application's); worker t (thread t >= 1) is pinned to CPU
/// cpus[t] where t < count (cpus NULL: to CPU t), the rest are not pinned. Linux (and Android)
/// only: elsewhere nothing is pinned and nothing fails.
struct llmrt_pinning {
  const int* cpus;  // (count) or NULL: thread t on CPU t
  int count;        // 0: no pinning
  /// A CPU a worker cannot be pinned to (one the system lacks or the process may not use) fails
  /// llmrt_pool_create with LLM_ERR_ARGUMENT and a message naming it; otherwise that worker
  /// stays unpinned.
  bool required;
};

/// A persistent pool (llmrt_pool): n_threads - 1 workers plus the thread that calls
/// llmrt_pool_run. A pool of one thread is NULL: the calling thread runs every task, and nothing is allocated.
/// More threads allocate the pool, its worker list and each worker's std::thread state.
/// `pinning` (NULL: none) places the workers; err (may be NULL) says why a creation failed.
llm_status llmrt_pool_create(int n_threads, const llmrt_pinning* pinning, llmrt_pool** out_pool,
                             char* err, size_t err_len);
void llmrt_pool_free(llmrt_pool* pool);
int llmrt_pool_threads(const llmrt_pool* pool);
/// Runs body(context, task) for task = 0 .. task_count-1 over the pool's threads and returns
/// when all are done. A NULL pool runs them on the calling thread.
void llmrt_pool_run(llmrt_pool* pool, int task_count, void (*body)(void* context, int task),
                    void* context);
/// Like llmrt_pool_run, but task i runs on thread i % llmrt_pool_threads(pool) (thread 0: the
/// caller), so a static split puts each part on the thread (and CPU) it was planned for. With
/// fewer threads than tasks a thread runs several tasks in turn; with more, the rest idle.
void llmrt_pool_run_static(llmrt_pool* pool, int task_count,
                           void (*body)(void* context, int task), void* context);
/// The number of hardware threads (at least 1): the default for --threads. In support.cpp, not
/// threads.cpp: single-threaded targets' folders have no threads.cpp and need no thread library.
int llmrt_default_threads(void);

/// A lambda as the (context, task) function a pool runs: context is the lambda.
template <typename Body>
void llmrt_call_lambda(void* context, int task) {
  (*static_cast<const Body*>(context))(task);
}

/// llmrt_pool_run with a lambda: llmrt_parallel_for(pool, 4, [&](int part) { ... });
template <typename Body>
void llmrt_parallel_for(llmrt_pool* pool, int task_count, const Body& body) {
  llmrt_pool_run(pool, task_count, llmrt_call_lambda<Body>,
                 const_cast<void*>(static_cast<const void*>(&body)));
}

/// llmrt_pool_run_static with a lambda.
template <typename Body>
void llmrt_parallel_for_static(llmrt_pool* pool, int task_count, const Body& body) {
  llmrt_pool_run_static(pool, task_count, llmrt_call_lambda<Body>,
                        const_cast<void*>(static_cast<const void*>(&body)));
}

// ---- sampling ---------------------------------------------------------------------------------

struct llmrt_sampler {
  llm_sampler_params params;
  uint64_t rng_state;
  int vocab_size;
  float* work;          // (vocab_size) the penalised logits, then the candidates' probabilities
  int32_t* candidates;  // (vocab_size) the tokens still in the running; while the penalties are
                        // applied, how often each token of the window occurs
  int32_t* recent;      // (recent_capacity) a ring of the last tokens accepted, for the penalties
  int recent_capacity;
  int recent_count;     // tokens in the ring, at most recent_capacity
  int recent_next;      // where the next accepted token goes
  bool owns_scratch;    // allocated by llmrt_sampler_init, not the caller's
};

/// Bytes of scratch a sampler over vocab_size tokens, keeping the last recent_capacity tokens
/// for its penalties, works in: work, candidates, then the ring of recent tokens.
constexpr size_t llmrt_sampler_scratch_bytes(int vocab_size, int recent_capacity) {
  return static_cast<size_t>(vocab_size) * (sizeof(float) + sizeof(int32_t)) +
         static_cast<size_t>(recent_capacity) * sizeof(int32_t);
}

/// Checks the params (llm_sampler_params_check) and vocab_size >= 1, recent_capacity >= 0 (else
/// LLM_ERR_ARGUMENT) and allocates the scratch; llmrt_sample allocates nothing. The penalties
/// see at most the last recent_capacity tokens accepted (llmrt_sampler_accept): a window longer
/// than that, or 0, is all of them.
llm_status llmrt_sampler_init(llmrt_sampler* sampler, const llm_sampler_params* params,
                              int vocab_size, int recent_capacity);
/// The same on the caller's scratch (llmrt_sampler_scratch_bytes bytes, 4-byte aligned, left
/// alone by llmrt_sampler_free): allocates nothing at all.
llm_status llmrt_sampler_init_in(llmrt_sampler* sampler, const llm_sampler_params* params,
                                 int vocab_size, int recent_capacity, void* scratch);
void llmrt_sampler_free(llmrt_sampler* sampler);
/// Adds n tokens (prompt or generated) to the ones the penalties look at, dropping the oldest
/// beyond the capacity; ids outside the vocabulary are skipped.
void llmrt_sampler_accept(llmrt_sampler* sampler, const int32_t* tokens, int n);
/// The distribution the next token is drawn from (llm_sampler_params' steps 1 to 5): returns the
/// number of candidates n >= 1; sampler->candidates[0..n) are their ids and sampler->work[id]
/// their probabilities, which sum to 1. Temperature 0: the argmax, with probability 1.
int llmrt_sampler_distribution(llmrt_sampler* sampler, const float* logits);
/// A token drawn from llmrt_sampler_distribution with the seeded generator (one draw per token
/// unless the temperature is 0). It is not accepted: the caller accepts what it keeps.
int32_t llmrt_sample(llmrt_sampler* sampler, const float* logits);

LLMRT_NAMESPACE_END

/// A tokenizer of the C API (llm.h): the runtime's, behind an opaque handle.
struct llm_tokenizer {
  llmrt_tokenizer t;
};

// ---- the model's state --------------------------------------------------------------------------

/// An open model, at the start of its arena: what the C API keeps between calls, and the buffers
/// the generated code reads (m->arena, m->key_cache, m->value_cache, m->pool, m->position).
struct llm_model {
  llmrt_blob blob;
  llmrt_model_memory memory;  // the arena this struct lives in, and the KV cache
  const void* weights;        // the model's Weights: a pointer per tensor, bound at open
  unsigned char* arena;       // the activations, placed by llm-plan-memory
  float* key_cache;           // (kv_cache_floats) per layer: (context, kv_dim)
  float* value_cache;         // (kv_cache_floats) per layer: (context, kv_dim)
  float* hidden;              // (prefill_tokens, hidden_size) prefill's output, head's input
  float* logits;              // (vocab_size) of the last token run
  int position;               // tokens in the KV cache
  int threads;                // llm_set_threads' count
  llmrt_pool* pool;           // the kernels' threads; NULL: the calling thread
  const int* cpus;            // (n_cpus) llm_open_options' CPUs, the caller's
  int n_cpus;                 // llm_open_options' n_cpus: 0 default, -1 no pinning
  llmrt_stream* stream;       // LLM_WEIGHTS_STREAMED: the reader of weights.bin; else NULL
};

LLMRT_NAMESPACE_BEGIN

constexpr size_t llmrt_align64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/// Where each part of a model's arena starts, each 64-byte aligned: the llm_model, its Weights (a
/// pointer per tensor; the two share 1 KiB and 8 bytes a tensor), the activations, the final
/// hidden states of a prefill call, the last token's logits and llm_generate's sampler scratch.
struct llmrt_arena_layout {
  size_t weights;
  size_t activations;
  size_t hidden;
  size_t logits;
  size_t sampler_scratch;
  size_t bytes;  // the whole arena: llm_memory_requirements' arena_bytes
};

constexpr llmrt_arena_layout llmrt_arena_layout_of(size_t weight_count, size_t activation_bytes,
                                                   int prefill_tokens, int hidden_size,
                                                   int vocab_size, int context_length) {
  llmrt_arena_layout a = {};
  a.weights = llmrt_align64(sizeof(llm_model));
  a.activations = llmrt_align64(1024 + 8 * weight_count);
  a.hidden = a.activations + llmrt_align64(activation_bytes);
  a.logits = a.hidden + llmrt_align64(sizeof(float) * size_t(prefill_tokens) * size_t(hidden_size));
  a.sampler_scratch = a.logits + llmrt_align64(sizeof(float) * size_t(vocab_size));
  a.bytes =
      a.sampler_scratch + llmrt_align64(llmrt_sampler_scratch_bytes(vocab_size, context_length));
  return a;
}
static_assert(sizeof(llm_model) <= 1024 - 64, "the llm_model outgrew its room in the arena");

LLMRT_NAMESPACE_END

#endif  // LLMC_RUNTIME_LLMRT_H

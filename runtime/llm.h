/* llm.h - the C API of a model compiled by llmc.
 *
 * Every generated out/model.h includes this header and adds the model's constants. The runtime
 * defines the functions; llm_open .. llm_threads (runtime/model_api.cpp) run the model that the
 * generated model.cpp describes (its sizes, weights and graph). Usable from C and C++. docs/embedding.md tells how to embed a model and what allocates when.
 *
 *   llm_model* m;
 *   char err[256];
 *   if (llm_open("out/weights.bin", &m, err, sizeof err) != LLM_OK) { puts(err); return 1; }
 *   llm_prefill(m, prompt, n_prompt, NULL);
 *   const float* logits = llm_logits(m);   // (vocab_size) for the last token
 */
#ifndef LLM_RUNTIME_LLM_H
#define LLM_RUNTIME_LLM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum llm_status {
  LLM_OK = 0,
  LLM_ERR_IO = 1,            /* a file could not be opened or read */
  LLM_ERR_FORMAT = 2,        /* a file is not a valid blob: magic, version, size, checksum */
  LLM_ERR_ARGUMENT = 3,      /* a token id out of range, a NULL pointer, ... */
  LLM_ERR_NO_MEMORY = 4,
  LLM_ERR_CONTEXT_FULL = 5,  /* the KV cache has no room for more tokens */
  LLM_ERR_UNSUPPORTED = 6,   /* this CPU lacks an instruction set the kernels were compiled for */
  LLM_ERR_NO_TOKENIZER = 7,  /* text to encode, but the model was compiled without a tokenizer */
  LLM_ERR_NO_CHAT_TEMPLATE = 8, /* a conversation to format, but the model has no chat template */
} llm_status;

/* A fixed, short English name of a status ("ok", "bad file format", ...); never NULL, also for
 * values outside the enum ("unknown status"). Defined by the runtime. The err buffers of the
 * functions below say more: which file, which tensor, which argument. */
const char* llm_status_string(llm_status status);

typedef struct llm_model llm_model;

/* Maps weights.bin read-only (reads it where the platform has no mmap) and validates it (a model
 * compiled with --weights-mode streamed reads its header and table, the resident tensors, and the
 * other layers as it runs: LLM_WEIGHTS_STREAMED); allocates
 * the arena and KV cache once. On failure *out_model is NULL and err (if not NULL) holds a message
 * naming the file and the problem. A NULL weights_path opens the weights compiled into the
 * program (LLM_WEIGHTS_EMBEDDED); for a model without them it is LLM_ERR_ARGUMENT. */
llm_status llm_open(const char* weights_path, llm_model** out_model, char* err, size_t err_len);
/* Like llm_open, on a weight blob already in memory: an array compiled into the program, flash, a
 * linker section, a buffer the caller filled. The bytes are used in place, never copied, and are
 * validated like a file. `weights` must be 64-byte aligned (the tensors in it are: declare the
 * array alignas(64)) and stay valid and unchanged until llm_close. LLM_ERR_ARGUMENT for a NULL or
 * misaligned pointer, LLM_ERR_FORMAT for a blob that is short or corrupt; messages start with
 * "weights in memory". */
llm_status llm_open_memory(const void* weights, size_t size, llm_model** out_model, char* err,
                           size_t err_len);
/* ---- how the weights are held ------------------------------------------------------------ */

/* The weights mode the model was compiled with (llmc compile --weights-mode; docs/embedding.md). */
typedef enum llm_weights_mode {
  LLM_WEIGHTS_MAPPED = 0,   /* weights.bin is opened at run time: mapped read-only (read where the
                             * platform has no mmap), or a blob the caller has in memory */
  LLM_WEIGHTS_EMBEDDED = 1, /* weights.bin is part of the program (a section the linker places,
                             * e.g. in flash) and used in place: llm_open(NULL, ...) opens it */
  LLM_WEIGHTS_STREAMED = 2, /* weights.bin is read into a weight buffer of a budget: the tensors
                             * outside layers and the first layers that fit stay, the others are
                             * read for every token by reader threads, the next op's weights while
                             * this one computes (llm_open_options' weights_budget) */
} llm_weights_mode;

/* The weights mode of the compiled model; model.h repeats it as LLM_MODEL_WEIGHTS_MODE. */
llm_weights_mode llm_compiled_weights_mode(void);
/* "mapped", "embedded", "streamed"; "unknown" for values outside the enum. Never NULL. */
const char* llm_weights_mode_name(llm_weights_mode mode);

/* Releases what the open functions allocated or mapped; never the caller's memory (weights,
 * arena, KV cache), which the caller may free after this returns. NULL is ignored. */
void llm_close(llm_model* model);

/* ---- running in the caller's memory ------------------------------------------------------ */

/* The memory a model needs besides its weights. Constants of the compiled model: model.h repeats
 * them as LLM_MODEL_ARENA_BYTES, LLM_MODEL_KV_CACHE_BYTES and LLM_MODEL_ALIGNMENT, so buffers can
 * be static arrays. */
typedef struct llm_memory_sizes {
  size_t arena_bytes;     /* the llm_model itself, activations, hidden states, logits and
                           * llm_generate's sampler scratch */
  size_t kv_cache_bytes;  /* keys and values of every layer at every position of the context */
  size_t alignment;       /* both buffers must start at a multiple of this (64) */
} llm_memory_sizes;

void llm_memory_requirements(llm_memory_sizes* out_sizes);

/* What llm_open_with_options opens and where the model runs. Zero-initialise it ({0}) and set
 * what you need: one source of weights, and any caller buffers. A caller buffer holds at least
 * llm_memory_requirements' bytes and starts at a multiple of its alignment; NULL (with size 0)
 * has the runtime allocate it. The llm_model lives at the start of the arena: the pointer the
 * open returns points into it. */
typedef struct llm_open_options {
  const char* weights_path; /* weights.bin to map (as llm_open); or NULL and, with weights NULL
                             * too, the weights compiled into the program (LLM_WEIGHTS_EMBEDDED);
                             * or NULL and: */
  const void* weights;      /* (weights_bytes) a blob in memory, used in place (llm_open_memory) */
  size_t weights_bytes;
  void* arena;              /* (arena_bytes) or NULL */
  size_t arena_bytes;
  void* kv_cache;           /* (kv_cache_bytes) or NULL */
  size_t kv_cache_bytes;
  int n_threads;            /* 0: every hardware thread; 1: only the calling thread, no pool */
  /* Which CPUs the kernels' threads run on (Linux and Android; elsewhere ignored). Thread 0 is
   * the thread that calls llm_prefill, llm_decode or llm_generate, which the runtime never pins
   * (pin it yourself where it matters; cpus[0] is its entry and is not read); worker thread
   * t >= 1 runs on CPU cpus[t] where t < n_cpus. n_cpus 0 (the default): for a model compiled with a description of unequal
   * cores (llmc compile --cores 4x1.0,4x2.0), worker t on CPU t for t below the described
   * count, a CPU this process cannot use leaving that worker unpinned; otherwise no pinning.
   * n_cpus -1: no pinning. With n_cpus > 0 a CPU a worker cannot be pinned to (one the machine
   * lacks or the process may not use) makes the open fail with LLM_ERR_ARGUMENT, err naming
   * it; so does llm_set_threads then. `cpus` must stay valid until llm_close. */
  const int* cpus;          /* (n_cpus) */
  int n_cpus;
  /* LLM_WEIGHTS_STREAMED only (elsewhere it must be 0): the bytes of the weight buffer, 0 for the
   * budget the model was compiled with (llmc compile --weights-budget). A budget smaller than
   * the tensors outside layers plus two read buffers for the ops' weights is LLM_ERR_ARGUMENT,
   * err saying the least that fits. Streamed weights come from weights_path only. */
  size_t weights_budget;
} llm_open_options;

/* Opens a model from options. With weights in memory, both buffers given and n_threads 1 it
 * allocates nothing at all; a thread pool (n_threads > 1, or 0 on a machine with several
 * threads) is the only heap it then takes. A buffer that is too small or misaligned, a NULL
 * buffer with a non-zero size, both or neither source of weights, or n_threads < 0 is
 * LLM_ERR_ARGUMENT, reported before the weights are read; err names the option. The caller's
 * buffers must stay valid until llm_close; their contents need no initialisation. */
llm_status llm_open_with_options(const llm_open_options* options, llm_model** out_model,
                                 char* err, size_t err_len);

int llm_vocab_size(const llm_model* model);
int llm_context_length(const llm_model* model);
int llm_position(const llm_model* model); /* tokens in the KV cache */
void llm_reset(llm_model* model);         /* forget the KV cache: position 0 */
/* Forgets the KV cache from `position` on (0 <= position <= llm_position, else
 * LLM_ERR_ARGUMENT): the next token runs at `position`, after the first `position` tokens, which
 * stay. A chat whose new prompt shares only part of what is cached keeps that part. */
llm_status llm_rewind(llm_model* model, int position);

/* Runs n_tokens tokens at the current position and advances it. If out_logits is not NULL it
 * receives (n_tokens, vocab_size) logits, one row per token; with NULL only the last token's
 * logits are computed (llm_logits), which is faster: the classifier runs once. */
llm_status llm_prefill(llm_model* model, const int32_t* tokens, int n_tokens, float* out_logits);
/* One token; out_logits (vocab_size) may be NULL. */
llm_status llm_decode(llm_model* model, int32_t token, float* out_logits);
/* Streamed weights (LLM_WEIGHTS_STREAMED) are read while the model runs: a read that fails, a
 * weights.bin truncated or overwritten since llm_open (a tensor's checksum then differs), makes
 * llm_prefill, llm_decode and llm_generate return LLM_ERR_IO without advancing the position, and
 * this says why (naming the file and the layer). "" when the last call succeeded or the weights
 * are not streamed. Valid until the next call on the model. */
const char* llm_error_message(const llm_model* model);

/* What the streamed weights' reader has done since llm_open (LLM_WEIGHTS_STREAMED). */
typedef struct llm_stream_stats {
  unsigned long long budget_bytes;    /* the weight buffer's budget */
  unsigned long long buffer_bytes;    /* what the resident tensors and the two read buffers take */
  int layers;                         /* transformer layers in the model */
  int resident_layers;                /* the first layers, kept in memory; the rest stream */
  int direct_io;                      /* 1: reads bypass the page cache (O_DIRECT, F_NOCACHE,
                                         FILE_FLAG_NO_BUFFERING) */
  unsigned long long bytes_read;      /* streamed layers' bytes read since llm_open */
  unsigned long long layers_read;     /* streamed layers read since llm_open */
  double wait_seconds;                /* how long the model waited for the reader in all */
} llm_stream_stats;
/* Fills *out for a model with streamed weights; LLM_ERR_ARGUMENT (and *out zeroed) otherwise. */
llm_status llm_get_stream_stats(const llm_model* model, llm_stream_stats* out);
/* Logits of the last token run: (vocab_size). Valid until the next call. */
const float* llm_logits(const llm_model* model);

/* Threads the model's kernels run on (default: all hardware threads). Targets whose code is
 * single-threaded (generic) accept any positive count and run on the calling thread. A model
 * compiled with a description of unequal cores (llmc compile --cores 4x1.0,4x2.0) runs its
 * part i (planned for core i) on thread i % n_threads: with fewer threads than described cores
 * a thread runs several parts in turn, with more the extra threads idle. Workers are pinned as
 * llm_open_options' cpus say. */
llm_status llm_set_threads(llm_model* model, int n_threads);
int llm_threads(const llm_model* model);

/* ---- runtime: sampling and generation -------------------------------------------------- */

/* How llm_generate (and llm-run) picks each token. The steps, in the order transformers' generate
 * applies its logits processors:
 *   1. penalties on the logits of the tokens among the last penalty_window tokens of the prompt and
 *      the generated text: a logit divided by repetition_penalty where positive, multiplied where
 *      negative, once however often the token occurs (transformers'
 *      RepetitionPenaltyLogitsProcessor); then count * frequency_penalty + presence_penalty
 *      subtracted (OpenAI's and llama.cpp's definition, count = occurrences in the window);
 *   2. temperature 0: the argmax (the lowest id on ties) of the penalised logits, and no draw;
 *      otherwise the logits divided by the temperature,
 *   3. top_k: the k highest logits, and every token tied with the k-th (TopKLogitsWarper),
 *   4. softmax, then top_p: the most likely tokens until their probability reaches top_p (a
 *      token stays while the probability of the tokens less likely than it and itself exceeds
 *      1 - top_p, as TopPLogitsWarper),
 *   5. min_p: the tokens whose probability is at least min_p times the most likely one's
 *      (MinPLogitsWarper),
 *   6. a draw from what is left, renormalised, with a generator seeded by seed (xorshift64*):
 *      the same params, prompt and model give the same tokens.
 * NaN logits are never picked (all NaN: token 0); +inf logits share the probability between them.
 * Every field after seed is off at zero, so an initialiser of the first three alone,
 * {0.8f, 0.9f, 42}, samples with temperature and top-p only. llm_sampler_params_default() gives
 * llm-run's defaults. */
typedef struct llm_sampler_params {
  float temperature;        /* >= 0, finite; 0: greedy (argmax after the penalties) */
  float top_p;              /* (0, 1]; 1: off */
  uint64_t seed;
  int32_t top_k;            /* >= 0; 0 (or >= the vocabulary): off */
  float min_p;              /* [0, 1]; 0: off */
  float repetition_penalty; /* >= 0, finite; 0 or 1: off; > 1 discourages repeats */
  float presence_penalty;   /* finite; 0: off; > 0 discourages repeats, < 0 encourages them */
  float frequency_penalty;  /* finite; 0: off; as presence_penalty, per occurrence */
  int32_t penalty_window;   /* >= 0; the last N tokens the penalties look at; 0: all of them,
                             * the prompt and what was generated in this llm_generate call */
} llm_sampler_params;

/* temperature 0.8, top_p 0.9, seed 0, the rest off: what llm-run samples with by default. */
llm_sampler_params llm_sampler_params_default(void);

/* LLM_OK if every field is in the range its comment gives, else LLM_ERR_ARGUMENT (NaN included,
 * and NULL) with err (if not NULL) naming the field and its value, e.g. "min_p is 1.5, not in
 * [0, 1]". llm_generate checks the same before it runs anything. */
llm_status llm_sampler_params_check(const llm_sampler_params* params, char* err, size_t err_len);

/* Called with each generated token; return non-zero to stop early. */
typedef int (*llm_token_callback)(int32_t token, void* user_data);

/* Prefills the prompt (n_prompt >= 1), then samples up to max_new_tokens tokens, stopping at
 * stop_token (pass -1 for none; the stop token itself is neither counted nor passed to on_token).
 * params NULL means greedy; params outside their ranges are LLM_ERR_ARGUMENT
 * (llm_sampler_params_check). The penalties see this call's prompt and the tokens it generated,
 * not what an earlier call left in the KV cache. Each token but the last is fed back with
 * llm_decode. Returns the number of tokens generated in *out_count, also when it fails part way
 * (e.g. with LLM_ERR_CONTEXT_FULL). */
llm_status llm_generate(llm_model* model, const int32_t* prompt, int n_prompt, int max_new_tokens,
                        const llm_sampler_params* params, int32_t stop_token,
                        llm_token_callback on_token, void* user_data, int* out_count);

/* ---- runtime: the tokenizer -------------------------------------------------------------- */

typedef struct llm_tokenizer llm_tokenizer;

/* Maps tokenizer.bin read-only (reads it where the platform has no mmap) and validates it. On
 * failure *out_tokenizer is NULL and err names the file and the problem. */
llm_status llm_tokenizer_open(const char* path, llm_tokenizer** out_tokenizer, char* err,
                              size_t err_len);
/* The same on tokenizer.bin's bytes in memory (any alignment), used in place: they must stay
 * valid and unchanged until llm_tokenizer_close. Messages start with "tokenizer in memory". */
llm_status llm_tokenizer_open_memory(const void* data, size_t size, llm_tokenizer** out_tokenizer,
                                     char* err, size_t err_len);
/* Releases what the open functions allocated or mapped; never the caller's bytes. NULL is
 * ignored. */
void llm_tokenizer_close(llm_tokenizer* tokenizer);

int llm_tokenizer_vocab_size(const llm_tokenizer* tokenizer);
int32_t llm_tokenizer_bos(const llm_tokenizer* tokenizer); /* -1 if the vocabulary has none */
int32_t llm_tokenizer_eos(const llm_tokenizer* tokenizer); /* -1 if the vocabulary has none */

/* text_len bytes of UTF-8 text to token ids, by the tokenizer the model was compiled with:
 * SentencePiece BPE (llama2.c, Llama 2, TinyLlama) or byte-level BPE with Llama 3's
 * pre-tokenizer; with add_bos non-zero, BOS first. Special tokens: where the tokenizer came from
 * a tokenizer.json, a tiktoken tokenizer.model (Llama 3) or a GGUF "gpt2" vocabulary, the text of
 * a control token ("<|eot_id|>", "<s>") encodes as that token, as Hugging Face tokenizers and
 * llama.cpp read prompts; from a SentencePiece tokenizer.model or llama2.c tokenizer.bin it is
 * plain text, as sentencepiece reads it. Writes at most `capacity` ids to out_tokens and sets
 * *out_needed to the number the text needs (never more than text_len + text_len / 2 + 2):
 * LLM_ERR_ARGUMENT when that is more than capacity, so capacity 0 with out_tokens NULL asks for
 * the size; LLM_ERR_ARGUMENT also for a byte-level tokenizer's text that is not valid UTF-8.
 * LLM_ERR_FORMAT if a byte of the text has no token and the vocabulary no <unk>.
 * LLM_ERR_NO_TOKENIZER for non-empty text if the model was compiled without a tokenizer (`llmc
 * compile --no-tokenizer`, or a source without one): its tokenizer.bin only prints ids as "<N>".
 * A tokenizer encodes one text at a time (it keeps its working memory between calls). */
llm_status llm_tokenize(llm_tokenizer* tokenizer, const char* text, size_t text_len, int add_bos,
                        int32_t* out_tokens, int capacity, int* out_needed);

/* The bytes `token` stands for when it follows `prev_token` (-1 for none): a control token is
 * empty, a byte token "<0xNN>" the byte NN, a normal token its bytes (a SentencePiece piece after
 * BOS loses its leading space; a byte-level token may be part of a UTF-8 character, which the
 * next tokens complete), an unknown token its text ("<unk>"), an id out of range is empty. Sets
 * *out_len; the bytes are not NUL-terminated and stay valid until llm_tokenizer_close. */
const char* llm_token_to_bytes(const llm_tokenizer* tokenizer, int32_t prev_token, int32_t token,
                               size_t* out_len);

/* ---- runtime: streaming text ------------------------------------------------------------ */

/* Called with each piece of generated text: len >= 1 bytes, not NUL-terminated, valid until it
 * returns. Return non-zero to stop early. */
typedef int (*llm_text_callback)(const char* text, size_t len, void* user_data);

/* llm_generate streaming text: each generated token's bytes (llm_token_to_bytes after the token
 * before it, the prompt's last for the first) go to on_text in pieces that never end inside a
 * UTF-8 character: the start of a character that the next tokens may complete is held back until
 * they do, and what is held when generation ends is passed on then. Bytes that cannot become a
 * valid character are passed through as they are, so the pieces put together are exactly the
 * generated tokens' bytes (replace what is invalid yourself where you need valid UTF-8).
 * Generation stops at any of the n_stop_tokens ids in stop_tokens (NULL with 0 for none), not
 * counted and not passed on: for a chat's reply, llm_chat_end_of_turn and llm_tokenizer_eos
 * (Llama 3 ends a turn with <|eot_id|> but may also end with <|end_of_text|>). The rest as
 * llm_generate; a NULL tokenizer, a negative n_stop_tokens or NULL stop_tokens with a positive
 * count is LLM_ERR_ARGUMENT. */
llm_status llm_generate_text(llm_model* model, const llm_tokenizer* tokenizer,
                             const int32_t* prompt, int n_prompt, int max_new_tokens,
                             const llm_sampler_params* params, const int32_t* stop_tokens,
                             int n_stop_tokens, llm_text_callback on_text, void* user_data,
                             int* out_count);

/* ---- runtime: chat templates ------------------------------------------------------------- */

/* One message of a conversation. role is "system", "user" or "assistant"; content is UTF-8 text,
 * NUL-terminated. */
typedef struct llm_chat_message {
  const char* role;
  const char* content;
} llm_chat_message;

/* The chat template the model was compiled with (`llmc compile` takes it from the model's
 * metadata, or from --chat-template): "llama2" (Llama 2 chat), "llama3" (Llama 3 instruct) or
 * "zephyr" (Zephyr, TinyLlama chat); NULL if it has none (a base model). */
const char* llm_chat_template(const llm_tokenizer* tokenizer);

/* The token that ends an assistant's turn, where generation of a reply stops: <|eot_id|> for
 * llama3, EOS for llama2 and zephyr; -1 without a chat template. */
int32_t llm_chat_end_of_turn(const llm_tokenizer* tokenizer);

/* Formats n_messages >= 1 messages into the prompt text of the model's chat template, byte for
 * byte what Hugging Face's apply_chat_template(messages, tokenize=False, add_generation_prompt)
 * renders with the model's Jinja template; with add_generation_prompt non-zero it ends with
 * what starts the assistant's reply (llama2 has nothing to add: its prompt ends with [/INST]).
 * BOS and EOS are written as the text of the tokenizer's BOS and EOS pieces ("<s>", "</s>").
 * The templates differ in what they accept, as their Jinja does: llama2 takes an optional
 * system message first, then user and assistant in turn starting with user (else
 * LLM_ERR_ARGUMENT, "Conversation roles must alternate user/assistant/user/assistant/..."); llama3
 * and zephyr take the roles in any order. The text of a conversation is a prefix of the text of
 * that conversation continued; with the generation prompt, continued by an assistant message.
 * Writes the text and a NUL to out_text (capacity bytes) and sets *out_len to the text's length
 * without the NUL: LLM_ERR_ARGUMENT when the text and its NUL do not fit, so capacity 0 with
 * out_text NULL asks for the size. LLM_ERR_ARGUMENT also for a role other than system, user and
 * assistant, a NULL role or content, content that is not valid UTF-8; LLM_ERR_NO_CHAT_TEMPLATE
 * for a model without a chat template. err (may be NULL) says which message and why. */
llm_status llm_chat_format(const llm_tokenizer* tokenizer, const llm_chat_message* messages,
                           int n_messages, int add_generation_prompt, char* out_text,
                           size_t capacity, size_t* out_len, char* err, size_t err_len);

/* llm_chat_format, then the token ids of that text: special tokens' text (BOS, EOS, <|eot_id|>,
 * ...) becomes those tokens in every vocabulary, as Hugging Face tokenizers and llama.cpp read
 * chat prompts, also where it appears in a message's content. BOS comes first: the llama2 and
 * llama3 templates write it; for zephyr, whose template does not, it is added, as TinyLlama's
 * model card prompts it (transformers' text-generation pipeline adds BOS to the text). Writes at
 * most capacity ids and sets *out_needed as llm_tokenize does (LLM_ERR_ARGUMENT when they do not
 * fit). Allocates the text of the prompt for the call, and frees it. */
llm_status llm_chat_tokenize(llm_tokenizer* tokenizer, const llm_chat_message* messages,
                             int n_messages, int add_generation_prompt, int32_t* out_tokens,
                             int capacity, int* out_needed, char* err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LLM_RUNTIME_LLM_H */

// chat.cpp - conversations to prompt text by the tokenizer's chat template (the chat half of the
// C API, runtime/llm.h).
//
// Each template is the Jinja template its models ship in tokenizer_config.json, written out by
// hand so that the text is byte for byte what transformers' apply_chat_template renders (Jinja
// with trim_blocks and lstrip_blocks); test/chat holds the Jinja texts and compares. Python's
// str.strip() and Jinja's trim strip what Python's str.isspace() calls whitespace.
#include <cstring>

#include "runtime/llmrt.h"

LLMRT_NAMESPACE_BEGIN

namespace {

enum Role { k_system, k_user, k_assistant };

// The text being written: counts every byte, keeps the ones that fit in out (capacity).
struct Text {
  char* out;
  size_t capacity;
  size_t len;

  void put(const char* bytes, size_t n) {
    if (len < capacity) std::memcpy(out + len, bytes, n < capacity - len ? n : capacity - len);
    len += n;
  }
  void put(const char* s) { put(s, std::strlen(s)); }
};

// A run of bytes of valid UTF-8.
struct Span {
  const char* bytes;
  size_t len;
};

// Python's str.isspace(): Unicode White_Space and the separators U+001C..U+001F.
bool is_python_space(uint32_t cp) {
  return (cp >= 0x1C && cp <= 0x1F) || llmrt_code_point_class(cp) == LLMRT_CP_SPACE;
}

// s without its leading whitespace.
Span strip_left(Span s) {
  size_t pos = 0;
  while (pos < s.len) {
    uint32_t cp;
    size_t next = llmrt_utf8_decode(s.bytes, pos, &cp);
    if (!is_python_space(cp)) break;
    pos = next;
  }
  return {s.bytes + pos, s.len - pos};
}

// s without its trailing whitespace.
Span strip_right(Span s) {
  while (s.len > 0) {
    size_t start = s.len - 1;  // the last code point starts at its lead byte
    while (start > 0 && (static_cast<unsigned char>(s.bytes[start]) & 0xC0) == 0x80) --start;
    uint32_t cp;
    llmrt_utf8_decode(s.bytes, start, &cp);
    if (!is_python_space(cp)) break;
    s.len = start;
  }
  return s;
}

Span strip(Span s) { return strip_right(strip_left(s)); }

// The piece of token `id` (BOS, EOS) as the template writes it.
Span piece_of(const llmrt_tokenizer* t, int32_t id) {
  return {t->pieces[id], t->piece_lengths[id]};
}

// The validated messages: roles parsed, contents measured.
struct Conversation {
  const llm_chat_message* messages;
  int count;
  Role role(int i) const {
    const char* r = messages[i].role;
    return std::strcmp(r, "system") == 0 ? k_system
           : std::strcmp(r, "user") == 0 ? k_user
                                         : k_assistant;
  }
  Span content(int i) const { return {messages[i].content, std::strlen(messages[i].content)}; }
};

llm_status check_messages(const llm_chat_message* messages, int n, char* err, size_t err_len) {
  if (messages == nullptr || n < 1) {
    llmrt_format_error(err, err_len, "llm_chat_format: no messages");
    return LLM_ERR_ARGUMENT;
  }
  for (int i = 0; i < n; ++i) {
    const char* role = messages[i].role;
    const char* content = messages[i].content;
    if (role == nullptr || content == nullptr) {
      llmrt_format_error(err, err_len, "message %d: its role or content is NULL", i);
      return LLM_ERR_ARGUMENT;
    }
    if (std::strcmp(role, "system") != 0 && std::strcmp(role, "user") != 0 &&
        std::strcmp(role, "assistant") != 0) {
      llmrt_format_error(err, err_len,
                         "message %d: role '%.40s' is not system, user or assistant", i, role);
      return LLM_ERR_ARGUMENT;
    }
    size_t len = std::strlen(content);
    size_t valid = llmrt_utf8_valid_prefix(content, len);
    if (valid != len) {
      llmrt_format_error(err, err_len, "message %d: its content is not valid UTF-8 (byte %zu)",
                         i, valid);
      return LLM_ERR_ARGUMENT;
    }
  }
  return LLM_OK;
}

// meta-llama/Llama-2-7b-chat-hf: an optional system message folded into the first user turn,
// then user and assistant in turn.
llm_status format_llama2(const llmrt_tokenizer* t, const Conversation& c, Text* out, char* err,
                         size_t err_len) {
  const bool has_system = c.role(0) == k_system;
  const int first = has_system ? 1 : 0;
  const Span bos = piece_of(t, t->bos_id);
  const Span eos = piece_of(t, t->eos_id);
  for (int i = first; i < c.count; ++i) {
    const int turn = i - first;
    const Role role = c.role(i);
    if ((role == k_user) != (turn % 2 == 0)) {
      llmrt_format_error(err, err_len,
                         "message %d: Conversation roles must alternate "
                         "user/assistant/user/assistant/... (llama2 template)",
                         i);
      return LLM_ERR_ARGUMENT;
    }
    Span content = c.content(i);
    if (role == k_user) {
      out->put(bos.bytes, bos.len);
      out->put("[INST] ");
      if (turn == 0 && has_system) {
        // strip() of '<<SYS>>\n' + system + '\n<</SYS>>\n\n' + content: only its end moves, and
        // past the content into the "\n\n" when the content is all whitespace.
        Span system = c.content(0);
        Span rest = strip_right(content);
        out->put("<<SYS>>\n");
        out->put(system.bytes, system.len);
        out->put(rest.len > 0 ? "\n<</SYS>>\n\n" : "\n<</SYS>>");
        out->put(content.bytes, rest.len);
      } else {
        content = strip(content);
        out->put(content.bytes, content.len);
      }
      out->put(" [/INST]");
    } else if (role == k_assistant) {
      content = strip(content);
      out->put(" ");
      out->put(content.bytes, content.len);
      out->put(" ");
      out->put(eos.bytes, eos.len);
    }  // a system message after the first writes nothing, as in the Jinja
  }
  return LLM_OK;
}

// meta-llama/Meta-Llama-3-8B-Instruct: a header per message, the content trimmed.
void format_llama3(const llmrt_tokenizer* t, const Conversation& c, bool generation_prompt,
                   Text* out) {
  const Span bos = piece_of(t, t->bos_id);
  static const char* const roles[] = {"system", "user", "assistant"};
  for (int i = 0; i < c.count; ++i) {
    if (i == 0) out->put(bos.bytes, bos.len);
    Span content = strip(c.content(i));
    out->put("<|start_header_id|>");
    out->put(roles[c.role(i)]);
    out->put("<|end_header_id|>\n\n");
    out->put(content.bytes, content.len);
    out->put("<|eot_id|>");
  }
  if (generation_prompt) out->put("<|start_header_id|>assistant<|end_header_id|>\n\n");
}

// TinyLlama/TinyLlama-1.1B-Chat-v1.0 (HuggingFaceH4/zephyr-7b-beta's): a tag line per message,
// the content as it is.
void format_zephyr(const llmrt_tokenizer* t, const Conversation& c, bool generation_prompt,
                   Text* out) {
  const Span eos = piece_of(t, t->eos_id);
  static const char* const tags[] = {"<|system|>\n", "<|user|>\n", "<|assistant|>\n"};
  for (int i = 0; i < c.count; ++i) {
    Span content = c.content(i);
    out->put(tags[c.role(i)]);
    out->put(content.bytes, content.len);
    out->put(eos.bytes, eos.len);
    out->put("\n");
  }
  if (generation_prompt) out->put("<|assistant|>\n");
}

// Whether the tokenizer has a control token spelled `piece`; else says so in err.
bool has_control_token(const llmrt_tokenizer* t, const char* piece, const char* name, char* err,
                       size_t err_len) {
  if (llmrt_tokenizer_lookup(t, piece, std::strlen(piece), LLMRT_TOKEN_CONTROL) >= 0) return true;
  llmrt_format_error(err, err_len, "%s: chat template %s needs the control token %s", name,
                     llmrt_chat_template_name(t->chat_template), piece);
  return false;
}

}  // namespace

llm_status llmrt_chat_check_tokens(const llmrt_tokenizer* tokenizer, const char* name, char* err,
                                   size_t err_len) {
  const llmrt_tokenizer* t = tokenizer;
  const uint32_t chat = t->chat_template;
  if (chat != LLMRT_CHAT_TEMPLATE_NONE && (t->flags & LLMRT_TOKENIZER_IDS_ONLY) != 0) {
    llmrt_format_error(err, err_len, "%s: a tokenizer of placeholder pieces has chat template %s",
                       name, llmrt_chat_template_name(chat));
    return LLM_ERR_FORMAT;
  }
  const bool needs_bos = chat == LLMRT_CHAT_TEMPLATE_LLAMA2 || chat == LLMRT_CHAT_TEMPLATE_LLAMA3;
  const bool needs_eos = chat == LLMRT_CHAT_TEMPLATE_LLAMA2 || chat == LLMRT_CHAT_TEMPLATE_ZEPHYR;
  if ((needs_bos && t->bos_id < 0) || (needs_eos && t->eos_id < 0)) {
    llmrt_format_error(err, err_len, "%s: chat template %s needs %s, which the vocabulary lacks",
                       name, llmrt_chat_template_name(chat),
                       needs_bos && t->bos_id < 0 ? "BOS" : "EOS");
    return LLM_ERR_FORMAT;
  }
  if (chat == LLMRT_CHAT_TEMPLATE_LLAMA3 &&
      !(has_control_token(t, "<|start_header_id|>", name, err, err_len) &&
        has_control_token(t, "<|end_header_id|>", name, err, err_len) &&
        has_control_token(t, "<|eot_id|>", name, err, err_len))) {
    return LLM_ERR_FORMAT;
  }
  return LLM_OK;
}

LLMRT_NAMESPACE_END

const char* llm_chat_template(const llm_tokenizer* tokenizer) {
  if (tokenizer == nullptr || tokenizer->t.chat_template == LLMRT_CHAT_TEMPLATE_NONE) {
    return nullptr;
  }
  return llmrt_chat_template_name(tokenizer->t.chat_template);
}

int32_t llm_chat_end_of_turn(const llm_tokenizer* tokenizer) {
  if (tokenizer == nullptr) return -1;
  const llmrt_tokenizer* t = &tokenizer->t;
  switch (t->chat_template) {
    case LLMRT_CHAT_TEMPLATE_LLAMA2:
    case LLMRT_CHAT_TEMPLATE_ZEPHYR:
      return t->eos_id;
    case LLMRT_CHAT_TEMPLATE_LLAMA3:
      return llmrt_tokenizer_lookup(t, "<|eot_id|>", 10, LLMRT_TOKEN_CONTROL);
    default:
      return -1;
  }
}

llm_status llm_chat_format(const llm_tokenizer* tokenizer, const llm_chat_message* messages,
                           int n_messages, int add_generation_prompt, char* out_text,
                           size_t capacity, size_t* out_len, char* err, size_t err_len) {
  if (out_len != nullptr) *out_len = 0;
  if (tokenizer == nullptr || out_len == nullptr || (out_text == nullptr && capacity > 0)) {
    llmrt_format_error(err, err_len, "llm_chat_format: NULL tokenizer, out_len or out_text");
    return LLM_ERR_ARGUMENT;
  }
  const llmrt_tokenizer* t = &tokenizer->t;
  if (t->chat_template == LLMRT_CHAT_TEMPLATE_NONE) {
    llmrt_format_error(err, err_len,
                       "the model has no chat template (llmc compile --chat-template names one)");
    return LLM_ERR_NO_CHAT_TEMPLATE;
  }
  llm_status status = check_messages(messages, n_messages, err, err_len);
  if (status != LLM_OK) return status;
  const Conversation c = {messages, n_messages};
  const bool generation_prompt = add_generation_prompt != 0;
  Text text = {out_text, capacity, 0};
  switch (t->chat_template) {
    case LLMRT_CHAT_TEMPLATE_LLAMA2:
      status = format_llama2(t, c, &text, err, err_len);
      break;
    case LLMRT_CHAT_TEMPLATE_LLAMA3:
      format_llama3(t, c, generation_prompt, &text);
      break;
    default:
      format_zephyr(t, c, generation_prompt, &text);
      break;
  }
  if (status != LLM_OK) return status;
  *out_len = text.len;
  if (text.len >= capacity) {
    llmrt_format_error(err, err_len, "llm_chat_format: the prompt takes %zu bytes and a NUL, "
                       "the buffer holds %zu", text.len, capacity);
    return LLM_ERR_ARGUMENT;
  }
  out_text[text.len] = '\0';
  return LLM_OK;
}

llm_status llm_chat_tokenize(llm_tokenizer* tokenizer, const llm_chat_message* messages,
                             int n_messages, int add_generation_prompt, int32_t* out_tokens,
                             int capacity, int* out_needed, char* err, size_t err_len) {
  if (out_needed != nullptr) *out_needed = 0;
  if (out_needed == nullptr) {
    llmrt_format_error(err, err_len, "llm_chat_tokenize: out_needed is NULL");
    return LLM_ERR_ARGUMENT;
  }
  // The length first: a one-byte buffer fits only an empty prompt, so a longer one reports its
  // length, and an error reports none.
  char probe[1];
  size_t len = 0;
  llm_status status = llm_chat_format(tokenizer, messages, n_messages, add_generation_prompt,
                                      probe, sizeof(probe), &len, err, err_len);
  if (status != LLM_OK && (status != LLM_ERR_ARGUMENT || len == 0)) return status;
  char* text = static_cast<char*>(llmrt_alloc(len + 1));
  if (text == nullptr) {
    llmrt_format_error(err, err_len, "llm_chat_tokenize: out of memory for %zu bytes", len + 1);
    return LLM_ERR_NO_MEMORY;
  }
  status = llm_chat_format(tokenizer, messages, n_messages, add_generation_prompt, text, len + 1,
                           &len, err, err_len);
  if (status == LLM_OK) {
    llmrt_tokenizer* t = &tokenizer->t;
    const Span bos = t->bos_id >= 0 ? piece_of(t, t->bos_id) : Span{"", 0};
    const bool add_bos = bos.len == 0 || len < bos.len ||
                         std::memcmp(text, bos.bytes, bos.len) != 0;
    status = llmrt_tokenizer_encode_with_specials(t, text, len, add_bos ? 1 : 0, out_tokens,
                                                  capacity, out_needed);
    if (status != LLM_OK) {
      llmrt_format_error(err, err_len, "llm_chat_tokenize: %s", llm_status_string(status));
    }
  }
  llmrt_free(text);
  return status;
}

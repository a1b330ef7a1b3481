// llm-run --chat: a conversation, a user message per line of stdin, each reply generated after
// the conversation so far by the model's chat template; the KV cache keeps what the new turn's
// ids start with, so each turn feeds only what is new.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/driver.h"
#include "runtime/llm.h"
#include "runtime/llmrt.h"

namespace llm_run {
namespace {

// A conversation: its messages and the ids the KV cache holds.
struct Chat {
  std::vector<std::string> roles;
  std::vector<std::string> contents;
  std::vector<int32_t> cached;  // what the model has been fed since position 0
};

// bytes with each byte that is not part of a valid UTF-8 character replaced by U+FFFD, as the
// chat template needs valid text (a reply may hold invalid bytes).
std::string valid_utf8(const std::string& bytes) {
  std::string text;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t valid = llmrt_utf8_valid_prefix(bytes.data() + pos, bytes.size() - pos);
    text.append(bytes, pos, valid);
    pos += valid;
    if (pos < bytes.size()) {
      text += "\xEF\xBF\xBD";
      ++pos;
    }
  }
  return text;
}

// The ids of the whole conversation with the assistant's turn to follow, by the chat template.
int tokenize_chat(Run* run, const Chat& chat, std::vector<int32_t>* out_ids) {
  std::vector<llm_chat_message> messages;
  for (size_t i = 0; i < chat.roles.size(); ++i) {
    messages.push_back({chat.roles[i].c_str(), chat.contents[i].c_str()});
  }
  const int n = static_cast<int>(messages.size());
  char err[512];
  int count = 0;
  llm_status s = llm_chat_tokenize(run->tokenizer, messages.data(), n, 1, nullptr, 0, &count, err,
                                   sizeof(err));
  if (s == LLM_ERR_ARGUMENT && count > 0) {
    out_ids->resize(static_cast<size_t>(count));
    s = llm_chat_tokenize(run->tokenizer, messages.data(), n, 1, out_ids->data(), count, &count,
                          err, sizeof(err));
  }
  if (s != LLM_OK) return fail("%s: %s", run->opts.tokenizer, err);
  return k_exit_ok;
}

// The conversation from the start: the system message (if any) and nothing else.
void start_chat(const Options& o, Chat* chat) {
  chat->roles.clear();
  chat->contents.clear();
  chat->cached.clear();
  if (o.system != nullptr) {
    chat->roles.push_back("system");
    chat->contents.push_back(o.system);
  }
}

// One line of stdin without its line ending; false at EOF.
bool read_line(std::string* line) {
  line->clear();
  int c;
  while ((c = std::fgetc(stdin)) != EOF && c != '\n') line->push_back(static_cast<char>(c));
  if (c == EOF && line->empty()) return false;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

// A user turn: the conversation's ids after what the cache holds and keeps are fed, then the
// reply is generated, printed and added to the conversation.
int chat_turn(Run* run, Chat* chat, const std::string& message, int turn) {
  const Options& o = run->opts;
  const int context = llm_context_length(run->model);
  chat->roles.push_back("user");
  chat->contents.push_back(message);
  std::vector<int32_t> ids;
  int status = tokenize_chat(run, *chat, &ids);
  if (status != k_exit_ok) return status;
  if (ids.size() >= static_cast<size_t>(context)) {
    // No room for a reply after the conversation: start again from the system message.
    start_chat(o, chat);
    chat->roles.push_back("user");
    chat->contents.push_back(message);
    status = tokenize_chat(run, *chat, &ids);
    if (status != k_exit_ok) return status;
    if (ids.size() >= static_cast<size_t>(context)) {
      return fail("turn %d: the message needs %zu tokens but the context holds %d", turn,
                  ids.size(), context);
    }
    std::fprintf(stderr,
                 "llm-run: note: turn %d: the conversation no longer fits the context (%d "
                 "tokens); starting again from the system message and this turn\n",
                 turn, context);
  }
  // The cache keeps what the new ids start with; the rest of it is forgotten. At least one id is
  // fed, for the logits of the reply's first token.
  size_t keep = 0;
  while (keep < chat->cached.size() && keep + 1 < ids.size() && chat->cached[keep] == ids[keep]) {
    ++keep;
  }
  llm_rewind(run->model, static_cast<int>(keep));
  chat->cached.resize(keep);
  const int n_new = static_cast<int>(ids.size() - keep);
  if (o.echo) echo(run, ids.data() + keep, n_new, keep > 0 ? ids[keep - 1] : -1);
  double prefill_s = 0, decode_s = 0;
  status = prefill(run, ids.data() + keep, n_new, &prefill_s);
  if (status != k_exit_ok) return status;
  chat->cached.insert(chat->cached.end(), ids.begin() + keep, ids.end());

  // Tokens fed = the conversation + steps - 1 must fit in the context.
  const int steps = std::min(o.steps, context - static_cast<int>(ids.size()) + 1);
  std::vector<int32_t> reply;
  int fed = 0;
  status = generate(run, ids.back(), steps, &reply, &fed, &decode_s);
  if (status != k_exit_ok) return status;
  end_line(run);
  chat->cached.insert(chat->cached.end(), reply.begin(), reply.begin() + fed);
  std::string text;
  int32_t prev = ids.back();
  for (int32_t token : reply) {
    size_t len = 0;
    const char* bytes = llm_token_to_bytes(run->tokenizer, prev, token, &len);
    text.append(bytes, len);
    prev = token;
  }
  chat->roles.push_back("assistant");
  chat->contents.push_back(valid_utf8(text));
  if (o.verbose) {
    std::fprintf(stderr, "llm-run: turn %d: %zu tokens kept in the cache; ", turn, keep);
    print_rate("prompt", n_new, prefill_s);
    print_rate(", generated", static_cast<int>(reply.size()), decode_s);
    std::fprintf(stderr, "\n");
    print_stream_stats(run->model);
  }
  return k_exit_ok;
}

}  // namespace

int run_chat(Run* run) {
  if (llm_chat_template(run->tokenizer) == nullptr) {
    return fail("%s: the model has no chat template (compile it with llmc compile "
                "--chat-template NAME)",
                run->opts.tokenizer);
  }
  if (run->opts.verbose) std::fprintf(stderr, "llm-run: %d threads\n", llm_threads(run->model));
  Chat chat;
  start_chat(run->opts, &chat);
  std::string line;
  for (int turn = 1; read_line(&line); ++turn) {
    int status = refuse_invalid_utf8("the message", line.data(), line.size());
    if (status != k_exit_ok) return status;
    status = chat_turn(run, &chat, line, turn);
    if (status != k_exit_ok) return status;
  }
  return k_exit_ok;
}

}  // namespace llm_run

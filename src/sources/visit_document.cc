// VisitDocument: finds the ASFF findings inside one parsed document, whatever envelope wraps them.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sources/internal.h"
#include "sources/sources.h"

namespace corroborate::sources {

std::string Location::ToString() const {
  std::string out(source);
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  }
  if (!path.empty()) {
    if (!out.empty()) out += ' ';
    out += path;
  }
  return out;
}

void FindingVisitor::OnEvent(simdjson::dom::element /*event*/, std::string_view detail_type,
                             const Location& where) {
  OnError(where, Status::InvalidInput("EventBridge event of type '" + std::string(detail_type) +
                                      "' carries no ASFF findings"));
}

namespace {

constexpr std::string_view kFindingsImported = "Security Hub Findings - Imported";
constexpr std::string_view kFindingsCustomAction = "Security Hub Findings - Custom Action";

// An SNS Message may hold another envelope (EventBridge -> SNS -> SQS -> SNS ...). Real chains are
// two or three deep; the limit only stops a hostile input from recursing without end.
constexpr int kMaxEnvelopeDepth = 8;

std::string_view TypeName(simdjson::dom::element_type type) {
  using T = simdjson::dom::element_type;
  switch (type) {
    case T::ARRAY: return "an array";
    case T::OBJECT: return "an object";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE: return "a number";
    case T::STRING: return "a string";
    case T::BOOL: return "a boolean";
    case T::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

// An SNS Message is JSON text inside a string of the outer document, so it needs a parser of its
// own while the outer document (owned by another parser) stays alive. Parsers are kept per thread
// and reused because allocating one per message would dominate the cost of small envelopes. They
// are handed out as a stack, so a visitor that calls VisitDocument from OnFinding gets fresh ones.
class MessageParserStack {
 public:
  class Lease {
   public:
    explicit Lease(MessageParserStack& stack) : stack_(stack), index_(stack.in_use_++) {
      if (stack_.parsers_.size() <= index_) {
        stack_.parsers_.push_back(std::make_unique<simdjson::dom::parser>());
      }
    }
    ~Lease() { --stack_.in_use_; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    simdjson::dom::parser& parser() { return *stack_.parsers_[index_]; }

   private:
    MessageParserStack& stack_;
    std::size_t index_;
  };

  static MessageParserStack& ForThisThread() {
    thread_local MessageParserStack stack;
    return stack;
  }

 private:
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
  std::size_t in_use_ = 0;
};

// Walks one document, keeping the path to the current element in a single string that grows and
// shrinks with the recursion (no allocation per finding once it has reached its longest).
class EnvelopeWalker {
 public:
  EnvelopeWalker(const Location& where, FindingVisitor& visitor)
      : source_(where.source),
        line_(where.line),
        path_(where.path),
        topic_arn_(where.topic_arn),
        text_(where.text),
        visitor_(visitor) {}

  void Document(simdjson::dom::element document, int envelope_depth) {
    simdjson::dom::array items;
    simdjson::dom::object object;
    if (document.get_array().get(items) == simdjson::SUCCESS) {
      ScopedValue items_text(text_, {});  // the items' texts are parts of the array's
      std::size_t index = 0;
      for (simdjson::dom::element item : items) {
        PathScope scope(*this);
        AppendIndex(index++);
        Document(item, envelope_depth);
      }
    } else if (document.get_object().get(object) == simdjson::SUCCESS) {
      Object(document, object, envelope_depth);
    } else {
      Error("expected a JSON object or array, found " + std::string(TypeName(document.type())));
    }
  }

 private:
  // Restores the path to what it was when the scope was entered.
  class PathScope {
   public:
    explicit PathScope(EnvelopeWalker& walker) : walker_(walker), size_(walker.path_.size()) {}
    ~PathScope() { walker_.path_.resize(size_); }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    EnvelopeWalker& walker_;
    std::size_t size_;
  };

  // The keys that tell envelopes apart, found in one pass over the object's fields.
  struct EnvelopeKeys {
    simdjson::dom::element detail_type, detail, records, type, message, findings;
    bool has_detail_type = false, has_detail = false, has_records = false, has_type = false,
         has_message = false, has_findings = false;
    std::string_view topic_arn;
  };

  // Gives one of the walker's members (the SNS topic, the document's text) a value while it lives,
  // for the documents visited meanwhile; nested envelopes put theirs back in turn.
  class ScopedValue {
   public:
    ScopedValue(std::string_view& member, std::string_view value)
        : member_(member), saved_(member) {
      member_ = value;
    }
    ~ScopedValue() { member_ = saved_; }
    ScopedValue(const ScopedValue&) = delete;
    ScopedValue& operator=(const ScopedValue&) = delete;

   private:
    std::string_view& member_;
    std::string_view saved_;
  };
  // The topic a notification names, or the one it came through when it names none.
  [[nodiscard]] std::string_view TopicOr(std::string_view topic_arn) const {
    return topic_arn.empty() ? topic_arn_ : topic_arn;
  }

  void Object(simdjson::dom::element element, simdjson::dom::object object, int envelope_depth) {
    EnvelopeKeys keys;
    for (simdjson::dom::key_value_pair field : object) {
      const std::string_view key = field.key;
      if (key == "detail-type") {
        keys.detail_type = field.value;
        keys.has_detail_type = true;
      } else if (key == "detail") {
        keys.detail = field.value;
        keys.has_detail = true;
      } else if (key == "Records") {
        keys.records = field.value;
        keys.has_records = true;
      } else if (key == "Type") {
        keys.type = field.value;
        keys.has_type = true;
      } else if (key == "Message") {
        keys.message = field.value;
        keys.has_message = true;
      } else if (key == "Findings") {
        keys.findings = field.value;
        keys.has_findings = true;
      } else if (key == "TopicArn") {
        if (field.value.get_string().get(keys.topic_arn) != simdjson::SUCCESS) keys.topic_arn = {};
      }
    }

    if (keys.has_detail_type) return EventBridgeEvent(element, keys);
    if (keys.has_records) return LambdaRecords(keys.records, envelope_depth);
    std::string_view sns_type;
    if (keys.has_type && keys.type.get_string().get(sns_type) == simdjson::SUCCESS) {
      if (sns_type == "Notification" && keys.has_message) {
        PathScope scope(*this);
        ScopedValue topic(topic_arn_, TopicOr(keys.topic_arn));
        AppendKey("Message");
        return SnsMessage(keys.message, envelope_depth);
      }
      if (sns_type == "SubscriptionConfirmation") {
        return Error(
            "SNS SubscriptionConfirmation message, not findings: confirm the subscription by "
            "visiting its SubscribeURL; findings arrive later in messages of Type 'Notification'");
      }
      if (sns_type == "UnsubscribeConfirmation") {
        return Error("SNS UnsubscribeConfirmation message, not findings: the subscription to " +
                     std::string(StringField(element, "TopicArn", "the topic")) +
                     " has been removed");
      }
    }
    simdjson::dom::array findings;
    if (keys.has_findings && keys.findings.get_array().get(findings) == simdjson::SUCCESS) {
      PathScope scope(*this);
      AppendKey("Findings");
      return FindingsArray(findings);
    }
    // Anything else object-shaped is taken for a finding: validation downstream says what it lacks.
    Location here = Here();
    here.text = text_;
    visitor_.OnFinding(element, here);
  }

  void EventBridgeEvent(simdjson::dom::element event, const EnvelopeKeys& keys) {
    std::string_view detail_type;
    if (keys.detail_type.get_string().get(detail_type) != simdjson::SUCCESS) {
      return Error("EventBridge event has a detail-type that is " +
                   std::string(TypeName(keys.detail_type.type())) + ", not a string");
    }
    if (detail_type != kFindingsImported && detail_type != kFindingsCustomAction) {
      return visitor_.OnEvent(event, detail_type, Here());
    }
    simdjson::dom::array findings;
    if (!keys.has_detail ||
        keys.detail["findings"].get_array().get(findings) != simdjson::SUCCESS) {
      return Error("EventBridge event of type '" + std::string(detail_type) +
                   "' has no detail.findings array");
    }
    PathScope scope(*this);
    AppendKey("detail");
    AppendKey("findings");
    FindingsArray(findings);
  }

  void LambdaRecords(simdjson::dom::element records_element, int envelope_depth) {
    simdjson::dom::array records;
    if (records_element.get_array().get(records) != simdjson::SUCCESS) {
      return Error("Records is " + std::string(TypeName(records_element.type())) +
                   ", expected an array of SNS records");
    }
    std::size_t index = 0;
    for (simdjson::dom::element record : records) {
      PathScope scope(*this);
      AppendKey("Records");
      AppendIndex(index++);
      simdjson::dom::element message;
      if (record["Sns"]["Message"].get(message) != simdjson::SUCCESS) {
        // SNS records spell it EventSource, SQS and S3 records eventSource.
        const std::string_view event_source =
            StringField(record, "EventSource", StringField(record, "eventSource", "none"));
        Error("record is not an SNS notification (EventSource '" + std::string(event_source) +
              "'): expected Sns.Message");
        continue;
      }
      AppendKey("Sns");
      AppendKey("Message");
      ScopedValue topic(topic_arn_,
                        TopicOr(StringField(record["Sns"].value_unsafe(), "TopicArn", "")));
      SnsMessage(message, envelope_depth);
    }
  }

  // `message` is the Message string of an SNS notification: JSON text of any supported shape.
  void SnsMessage(simdjson::dom::element message, int envelope_depth) {
    std::string_view text;
    if (message.get_string().get(text) != simdjson::SUCCESS) {
      return Error("SNS Message is " + std::string(TypeName(message.type())) +
                   ", expected a string holding JSON");
    }
    if (envelope_depth >= kMaxEnvelopeDepth) {
      return Error("SNS Messages nested more than " + std::to_string(kMaxEnvelopeDepth) +
                   " envelopes deep");
    }
    MessageParserStack::Lease lease(MessageParserStack::ForThisThread());
    simdjson::dom::element inner;
    // realloc_if_needed: the text lives inside the outer parser's string buffer, without padding.
    const simdjson::error_code parse_error =
        lease.parser().parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(inner);
    if (parse_error != simdjson::SUCCESS) {
      return Error("SNS Message is not JSON: " + std::string(simdjson::error_message(parse_error)));
    }
    ScopedValue message_text(text_, text);
    Document(inner, envelope_depth + 1);
  }

  void FindingsArray(simdjson::dom::array findings) {
    std::size_t index = 0;
    for (simdjson::dom::element finding : findings) {
      PathScope scope(*this);
      AppendIndex(index++);
      internal::VisitFinding(finding, Here(), visitor_);
    }
  }

  void AppendIndex(std::size_t index) {
    path_ += '[';
    path_ += std::to_string(index);
    path_ += ']';
  }
  void AppendKey(std::string_view key) {
    if (!path_.empty()) path_ += '.';
    path_ += key;
  }

  static std::string_view StringField(simdjson::dom::element object, std::string_view key,
                                      std::string_view fallback) {
    std::string_view value;
    if (object[key].get_string().get(value) != simdjson::SUCCESS) return fallback;
    return value;
  }

  [[nodiscard]] Location Here() const { return Location{source_, line_, path_, topic_arn_}; }
  void Error(std::string message) {
    visitor_.OnError(Here(), Status::InvalidInput(std::move(message)));
  }

  std::string_view source_;
  std::uint64_t line_;
  std::string path_;
  std::string_view topic_arn_;
  std::string_view text_;  // of the document being walked, if it is one the input holds whole
  FindingVisitor& visitor_;
};

}  // namespace

namespace internal {

void VisitFinding(simdjson::dom::element element, const Location& where, FindingVisitor& visitor) {
  if (element.type() != simdjson::dom::element_type::OBJECT) {
    visitor.OnError(where, Status::InvalidInput("expected an ASFF finding (a JSON object), found " +
                                                std::string(TypeName(element.type()))));
    return;
  }
  visitor.OnFinding(element, where);
}

}  // namespace internal

void VisitDocument(simdjson::dom::element document, const Location& where,
                   FindingVisitor& visitor) {
  EnvelopeWalker(where, visitor).Document(document, /*envelope_depth=*/0);
}

}  // namespace corroborate::sources

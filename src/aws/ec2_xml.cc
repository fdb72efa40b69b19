#include "aws/ec2_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <system_error>

#include "asff/json_writer.h"
#include "aws/ec2_shapes.h"
#include "aws/http_client.h"

namespace corroborate::aws {
namespace {

using ec2::Kind;

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct XmlFree {
  void operator()(xmlChar* text) const { xmlFree(text); }
};

std::string_view Name(const xmlNode* node) {
  return reinterpret_cast<const char*>(node->name);  // NOLINT: libxml2's names are UTF-8
}

std::string Text(const xmlNode* node) {
  std::unique_ptr<xmlChar, XmlFree> text(xmlNodeGetContent(node));
  return text ? std::string(reinterpret_cast<const char*>(text.get())) : std::string();
}

class Converter {
 public:
  explicit Converter(std::string& out) : writer_(out) {}

  Status Value(const xmlNode* node, const ec2::Shape& shape, const std::string& path) {
    switch (shape.kind) {
      case Kind::kStructure: return Structure(node, shape, path);
      case Kind::kList: {
        writer_.BeginArray();
        const ec2::Shape& entry = ec2::Shapes()[shape.entry];
        std::size_t n = 0;
        for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
          if (child->type != XML_ELEMENT_NODE || Name(child) != "item") continue;
          if (Status s = Value(child, entry, path + "[" + std::to_string(n++) + "]"); !s.ok()) {
            return s;
          }
        }
        writer_.EndArray();
        return Status::Ok();
      }
      case Kind::kString:
      case Kind::kTimestamp: writer_.String(Text(node)); return Status::Ok();
      case Kind::kBoolean: {
        const std::string text = Text(node);
        const std::string_view v = TrimSpace(text);
        if (v != "true" && v != "false") return Bad(path, "is not a boolean", v);
        writer_.Bool(v == "true");
        return Status::Ok();
      }
      case Kind::kInteger: {
        const std::string text = Text(node);
        const std::string_view v = TrimSpace(text);
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
          return Bad(path, "is not an integer", v);
        }
        writer_.Int(n);
        return Status::Ok();
      }
      case Kind::kNumber: {
        const std::string text = Text(node);
        const std::string_view v = TrimSpace(text);
        double d = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d)) {
          return Bad(path, "is not a number", v);
        }
        writer_.Double(d);
        return Status::Ok();
      }
    }
    return Status::Internal("EC2 shape " + std::string(shape.name) + " has an unknown kind");
  }

 private:
  Status Structure(const xmlNode* node, const ec2::Shape& shape, const std::string& path) {
    const auto members = ec2::Members().subspan(static_cast<std::size_t>(shape.first_member),
                                                static_cast<std::size_t>(shape.member_count));
    writer_.BeginObject();
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->type != XML_ELEMENT_NODE) continue;
      const std::string_view name = Name(child);
      for (const ec2::Member& member : members) {
        if (member.xml != name) continue;
        writer_.Key(member.json);
        if (Status s = Value(child, ec2::Shapes()[member.shape], path + "." + std::string(name));
            !s.ok()) {
          return s;
        }
        break;
      }
    }
    writer_.EndObject();
    return Status::Ok();
  }

  static Status Bad(const std::string& path, std::string_view what, std::string_view value) {
    std::string shown(value.substr(0, 64));
    return Status::InvalidInput(path + " " + std::string(what) + ": \"" + shown + "\"");
  }

  asff::JsonWriter writer_;
};

}  // namespace

Result<std::string> Ec2XmlToJson(std::string_view operation, std::string_view xml) {
  const ec2::Shape* output = nullptr;
  for (const ec2::Operation& op : ec2::Operations()) {
    if (op.name == operation) output = &ec2::Shapes()[op.output];
  }
  if (output == nullptr) {
    return Status::Internal("no EC2 answer shape for " + std::string(operation));
  }
  if (xml.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Status::InvalidInput("EC2 " + std::string(operation) + " answer is too large");
  }
  // EC2 answers carry no DTD; refusing one outright keeps entity declarations (a local file, a
  // billion laughs) out of reach. Beyond that: no entity substitution (XML_PARSE_NOENT is not
  // given), no DTD loading, no network, libxml2's default depth limit; errors returned, not
  // printed.
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    return Status::InvalidInput("EC2 " + std::string(operation) +
                                " answer has a document type declaration; EC2 sends none");
  }
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "ec2-answer.xml", nullptr, options));
  if (!doc) {
    const xmlError* error = xmlGetLastError();
    std::string why = error != nullptr && error->message != nullptr
                          ? std::string(TrimSpace(error->message))
                          : std::string("unparseable");
    if (error != nullptr) why += " (line " + std::to_string(error->line) + ")";
    return Status::InvalidInput("EC2 " + std::string(operation) + " answer is not XML: " + why);
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const std::string expected = std::string(operation) + "Response";
  if (root == nullptr || Name(root) != expected) {
    return Status::InvalidInput("EC2 " + std::string(operation) + " answer's root is <" +
                                (root == nullptr ? std::string() : std::string(Name(root))) +
                                ">, not <" + expected + ">");
  }
  std::string json;
  Converter converter(json);
  if (Status s = converter.Value(root, *output, expected); !s.ok()) {
    return s.WithContext("EC2 " + std::string(operation) + " answer");
  }
  return json;
}

}  // namespace corroborate::aws

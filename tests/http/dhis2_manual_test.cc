// The curl calls of DHIS2's developer manual for data values (sending and reading data value
// sets in JSON, XML, CSV and ADX), and the calls DHIS2's scripts make around them, replayed on
// Keneya's API in the manual's order and compared with the answers DHIS2 2.40 gives
// (tests/http/testdata/dhis2_manual: SOURCES.txt says where each call and answer comes from).
//
// The server holds the manual's metadata (assumed-metadata.json) and the manual's user
// admin:district. One difference is the database's age: the manual's default category option
// combo is bRowv6yZOF2, a DHIS2 database created today (and Keneya) has HllvX50cXC0, so calls
// and answers are read with that uid. Answers are compared field by field (what a client
// reads), not byte by byte: timestamps (${T..}), key order and the host in links are free.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "auth/accounts.h"
#include "auth/secrets.h"
#include "http/api.h"
#include "io/dhis2_metadata.h"
#include "tests/http/kati_dataset.h"
#include "tests/store/test_database.h"

namespace keneya::http {
namespace {

using nlohmann::json;
using store::testing::Engine;
namespace fs = std::filesystem;

const fs::path kDir = fs::path(KENEYA_HTTP_TESTDATA) / "dhis2_manual";
constexpr char kOldDefault[] = "bRowv6yZOF2";
constexpr char kDefault[] = "HllvX50cXC0";

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string Decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else if (text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The curl command of a call file (between its "begin" and "end" markers, lines joined), as a
// request: method, path from /api on, query, headers, body (-d @file: the call's payload), user.
struct Call {
  Request request;
  std::string user, password;
};

Call ParseCurl(const std::string& script, const std::string& payload_file) {
  std::string command;
  bool inside = false;
  std::istringstream lines(script);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("begin ---") != std::string::npos) {
      inside = true;
    } else if (line.find("end ---") != std::string::npos) {
      inside = false;
    } else if (inside) {
      command += line + " ";
    }
  }
  std::vector<std::string> words;
  std::string word;
  bool quoted = false;
  for (char c : command) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ' ' && !quoted) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  Call call;
  call.request.method = "GET";
  call.request.remote_address = "10.1.0.1";
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    const std::string next = i + 1 < words.size() ? words[i + 1] : "";
    if (w == "-d" || w == "--data" || w == "--data-binary") {
      call.request.method = call.request.method == "GET" ? "POST" : call.request.method;
      call.request.body = Read(kDir / payload_file);
      ++i;
    } else if (w == "-X") {
      call.request.method = next;
      ++i;
    } else if (w == "-H") {
      const size_t colon = next.find(':');
      std::string name = next.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = next.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      call.request.headers[name] = value;
      ++i;
    } else if (w == "-u") {
      call.user = next.substr(0, next.find(':'));
      call.password = next.substr(next.find(':') + 1);
      ++i;
    } else if (w.rfind("http", 0) == 0) {
      std::string path = w.substr(w.find("/api"));
      const size_t question = path.find('?');
      if (question != std::string::npos) {
        std::stringstream query(path.substr(question + 1));
        std::string pair;
        while (std::getline(query, pair, '&')) {
          const size_t eq = pair.find('=');
          call.request.query.emplace_back(
              Decode(pair.substr(0, eq)),
              eq == std::string::npos ? "" : Decode(pair.substr(eq + 1)));
        }
        path.resize(question);
      }
      call.request.path = path;
    }
  }
  if (!call.user.empty()) {
    call.request.headers["authorization"] = testing::BasicAuthorization(call.user, call.password);
  }
  return call;
}

// A data value as clients compare them.
using Value = std::tuple<std::string, std::string, std::string, std::string, std::string,
                         std::string, std::string>;  // de, pe, ou, coc, aoc, value, storedBy

std::string Attribute(const std::string& element, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t at = element.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return element.substr(start, element.find('"', start) - start);
}

// The values of an export in JSON, XML or CSV (the header's fields fill the values' blanks).
std::multiset<Value> ValuesOf(const std::string& text) {
  std::multiset<Value> out;
  if (!text.empty() && text.front() == '{') {
    const json set = json::parse(text);
    for (const json& v : set.value("dataValues", json::array())) {
      out.insert({v.value("dataElement", ""), v.value("period", set.value("period", "")),
                  v.value("orgUnit", set.value("orgUnit", "")), v.value("categoryOptionCombo", ""),
                  v.value("attributeOptionCombo", ""), v.value("value", ""),
                  v.value("storedBy", "")});
    }
  } else if (text.find("<dataValueSet") != std::string::npos ||
             text.find("<adx") != std::string::npos) {
    size_t at = 0;
    while ((at = text.find("<dataValue ", at)) != std::string::npos) {
      const std::string element = text.substr(at, text.find('>', at) - at);
      out.insert({Attribute(element, "dataElement"), Attribute(element, "period"),
                  Attribute(element, "orgUnit"), Attribute(element, "categoryOptionCombo"),
                  Attribute(element, "attributeOptionCombo"), Attribute(element, "value"),
                  Attribute(element, "storedBy")});
      ++at;
    }
  } else {
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);  // the heading
    while (std::getline(lines, line)) {
      std::vector<std::string> cells;
      std::stringstream row(line);
      std::string cell;
      while (std::getline(row, cell, ',')) {
        if (cell.size() >= 2 && cell.front() == '"') cell = cell.substr(1, cell.size() - 2);
        cells.push_back(cell);
      }
      cells.resize(7);
      out.insert({cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]});
    }
  }
  return out;
}

std::string Show(const std::multiset<Value>& values) {
  std::string out;
  for (const Value& v : values) {
    out += std::get<0>(v) + " " + std::get<1>(v) + " " + std::get<2>(v) + " " + std::get<3>(v) +
           " " + std::get<4>(v) + " = " + std::get<5>(v) + " by " + std::get<6>(v) + "\n";
  }
  return out;
}

class Dhis2ManualTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string why = store::testing::Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    auth::DefaultPasswordCost() = auth::PasswordCost{1, 8u << 10};
    db_ = std::make_unique<store::testing::TestDatabase>(GetParam());
    auto store = db_->Open();
    const std::string text = Replace(Read(kDir / "assumed-metadata.json"), kOldDefault, kDefault);
    auto read = io::ReadDhis2Metadata(text, "assumed-metadata.json");
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    const store::Actor actor{"test", "test", "", ""};
    ASSERT_TRUE(store->SaveMetadata(read->bundle, actor).ok());
    // The manual's superuser, admin:district (a password Keneya would refuse to set today: it
    // is stored directly). Administrator, and a district team over the whole country so that
    // it may write declared numbers.
    store::UserRecord admin;
    admin.name = "admin";
    admin.full_name = "admin admin";
    admin.language = "en";
    auto hash = auth::HashPassword("district");
    ASSERT_TRUE(hash.ok());
    admin.password_hash = *hash;
    auto created = store->CreateUser(admin, actor);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    auto metadata = store->LoadMetadata();
    std::string root;
    for (const core::OrgUnit& unit : metadata->org_units) {
      if (unit.level == 1) root = unit.uid;
    }
    for (const char* role : {"administrator", "district_team"}) {
      store::RoleGrantRecord grant;
      grant.user_id = created->id;
      grant.role = role;
      grant.scope_kind = "subtree";
      grant.scope_uid = root;
      ASSERT_TRUE(store->GrantRole(grant, actor).ok());
    }
    auto pool = store::StorePool::Open(db_->location(), 2);
    ASSERT_TRUE(pool.ok());
    pool_ = std::move(pool).value();
    authenticator_ = std::make_unique<auth::Authenticator>(auth::AuthOptions{});
    api_ = std::make_unique<Api>(*pool_, *authenticator_, ApiOptions{}, nullptr);
  }

  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::StorePool> pool_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<Api> api_;
};

TEST_P(Dhis2ManualTest, TheManualsCallsGetDhis2sAnswers) {
  // Which answer each call gets here (see the header), and the calls left out, with why.
  const std::map<std::string, std::string> answer_here = {
      {"30", "30-get-system-info.answer-nonsuperuser.json"},
  };
  const std::map<std::string, std::string> left_out = {
      {"27",
       "without credentials DHIS2 redirects to its login page (302); an API answers 401 "
       "with WWW-Authenticate, which DHIS2's scripts handle the same way"},
  };
  std::istringstream index(Read(kDir / "INDEX.tsv"));
  std::string line;
  int replayed = 0;
  while (std::getline(index, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream row(line);
    std::string cell;
    while (std::getline(row, cell, '\t')) cells.push_back(cell);
    ASSERT_GE(cells.size(), 10u) << line;
    const std::string& step = cells[0];
    if (left_out.count(step)) continue;
    const int status = std::stoi(cells[7]);
    std::string answer_file = cells[9].substr(0, cells[9].find(' '));
    if (answer_here.count(step)) answer_file = answer_here.at(step);
    Call call = ParseCurl(Read(kDir / cells[1]), cells[6] == "-" ? "" : cells[6]);
    call.request.body = Replace(call.request.body, kOldDefault, kDefault);
    const Response r = api_->Handle(call.request);
    const std::string body = testing::WholeBody(r);
    const std::string what = "step " + step + " (" + cells[1] + ")";
    ++replayed;
    const std::string expected = Replace(Read(kDir / answer_file), kOldDefault, kDefault);
    EXPECT_EQ(r.status, status) << what << ": " << body.substr(0, 2000);
    if (answer_file.ends_with(".json") && expected.find("\"importCount\"") != std::string::npos) {
      // An import summary: what DHIS2's clients read of it.
      const json want = json::parse(expected);
      const json got = json::parse(body);
      for (const char* key : {"httpStatus", "httpStatusCode", "status", "message"}) {
        EXPECT_EQ(got.value(key, json()), want.value(key, json())) << what << ": " << key;
      }
      const json& w = want["response"];
      const json& g = got["response"];
      for (const char* key : {"responseType", "status", "description", "importCount",
                              "rejectedIndexes", "dataSetComplete"}) {
        EXPECT_EQ(g.value(key, json()), w.value(key, json())) << what << ": response." << key;
      }
      ASSERT_EQ(g["conflicts"].size(), w["conflicts"].size()) << what << ": " << body;
      for (size_t i = 0; i < w["conflicts"].size(); ++i) {
        for (const char* key : {"object", "objects", "value", "errorCode", "property", "indexes"}) {
          EXPECT_EQ(g["conflicts"][i].value(key, json()), w["conflicts"][i].value(key, json()))
              << what << ": conflict " << i << " " << key;
        }
      }
    } else if (answer_file.ends_with(".json") &&
               expected.find("\"dataValues\"") != std::string::npos) {
      EXPECT_EQ(Show(ValuesOf(body)), Show(ValuesOf(expected))) << what;
    } else if (answer_file.ends_with(".json") && expected.find("\"pager\"") != std::string::npos) {
      // A list: the same objects in the same order, with the fields asked.
      const json want = json::parse(expected);
      const json got = json::parse(body);
      for (const char* key : {"page", "total", "pageSize", "pageCount"}) {
        EXPECT_EQ(got["pager"].value(key, json()), want["pager"].value(key, json())) << what;
      }
      for (const char* key : {"nextPage", "prevPage"}) {
        EXPECT_EQ(got["pager"].contains(key), want["pager"].contains(key)) << what << ": " << key;
      }
      for (auto it = want.begin(); it != want.end(); ++it) {
        if (it.key() != "pager") {
          EXPECT_EQ(got.value(it.key(), json()), it.value()) << what;
        }
      }
    } else if (answer_file.ends_with(".json") && !expected.empty() && expected.front() == '{') {
      // A WebMessage, or an object: every field DHIS2 gives that does not depend on the server
      // (the system's own description: its fields only; an error's message: with its code).
      const json want = json::parse(expected);
      const json got = json::parse(body);
      const bool described = step == "30";
      for (auto it = want.begin(); it != want.end(); ++it) {
        const bool variable = described || (it.key() == "message" && !want.contains("errorCode")) ||
                              (it.value().is_string() &&
                               it.value().get<std::string>().find("${") != std::string::npos);
        if (variable) {
          EXPECT_TRUE(got.contains(it.key())) << what << ": " << it.key();
        } else if (it.key() != "_comment") {
          EXPECT_EQ(got.value(it.key(), json()), it.value()) << what << ": " << it.key();
        }
      }
    } else if (answer_file.ends_with(".xml") || answer_file.ends_with(".csv")) {
      EXPECT_EQ(Show(ValuesOf(body)), Show(ValuesOf(expected))) << what;
    }
  }
  EXPECT_GT(replayed, 20);
}

INSTANTIATE_TEST_SUITE_P(Engines, Dhis2ManualTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& param_info) {
                           return store::testing::EngineName(param_info.param);
                         });

}  // namespace
}  // namespace keneya::http

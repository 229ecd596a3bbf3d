// Uses both messages, one with an argument built elsewhere (not checked).
core::Error Missing(const std::string& code) {
  return core::NotFound(core::Message("store.no_org_unit", {{"code", code}}));
}
std::string Count(core::Language l, std::vector<core::MessageArg> args) {
  return core::Text(l, "store.row_count", std::move(args));
}

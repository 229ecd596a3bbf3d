core::Error Missing(const std::string& code) {
  if (code.empty()) return core::NotFound(core::Message("store.no_such_message"));
  return core::NotFound(core::Message("store.no_org_unit", {{"uid", code}}));
}

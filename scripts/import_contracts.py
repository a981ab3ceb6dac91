"""A custom import-linter contract: the business domains reach each other only through their public
modules (services, models, events…), never through controllers, pages or private helpers.

import-linter's own ``forbidden`` contract can only list what is forbidden; this one lists what is
allowed, so a new private module is covered without anyone remembering to forbid it. Used by
``make lint`` (``[tool.importlinter]`` in pyproject.toml)."""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class PublicModulesContract(Contract):
    """``domains``: sub-packages of the root (``dossier``, ``referral``…). A module of one domain may import
    from another domain only the domain package itself or a module under one of ``public`` (e.g.
    ``referral.services.search``). ``ignore_imports``: ``importer -> imported`` pairs still allowed, each a
    debt; one that no longer occurs fails the contract, so the list can only shrink."""

    domains = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def _domain(self, root: str, module: str) -> str | None:
        parts = module.split(".")
        if len(parts) > 1 and parts[0] == root and parts[1] in self.domains:
            return parts[1]
        return None

    def check(self, graph, verbose: bool) -> ContractCheck:
        root = self.session_options["root_packages"][0]
        allowed = {tuple(part.strip() for part in pair.split("->")) for pair in self.ignore_imports or []}
        seen: set[tuple[str, str]] = set()
        invalid: list[dict] = []
        for importer in sorted(graph.modules):
            source = self._domain(root, importer)
            if source is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = self._domain(root, imported)
                if target is None or target == source:
                    continue
                parts = imported.split(".")
                if len(parts) == 2 or parts[2] in self.public:
                    continue
                if (importer, imported) in allowed:
                    seen.add((importer, imported))
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = sorted({d["line_number"] for d in details})
                invalid.append({"importer": importer, "imported": imported, "lines": lines})
        stale = sorted(allowed - seen)
        return ContractCheck(kept=not invalid and not stale, metadata={"invalid": invalid, "stale": stale})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["invalid"]:
            lines = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(
                f"{item['importer']} -> {item['imported']} ({lines}): go through the other domain's "
                f"public modules ({', '.join(self.public)})",
                bold=False,
            )
        for importer, imported in check.metadata["stale"]:
            output.print_error(
                f"{importer} -> {imported} is listed in ignore_imports but no longer occurs: remove it",
                bold=False,
            )
        output.new_line()

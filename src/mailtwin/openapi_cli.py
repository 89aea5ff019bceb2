"""`mailtwin openapi`: write or print each provider's effective OpenAPI document."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mailtwin.config import Config, ConfigError
from mailtwin.openapi_out import effective_document
from mailtwin.provider import Provider
from mailtwin.sources import provider_specs
from mailtwin.yamlsource import SourceError


def write_documents(config: Config, names: list[str] | None, out: Path | None,
                    keep_extensions: bool) -> int:
    """Write `<provider>.json` per provider into `out` (or print them); 2 on a bad request."""
    try:
        specs = {spec.name: spec for spec in provider_specs(config)}
    except (SourceError, ConfigError) as error:
        print(error, file=sys.stderr)
        return 2
    unknown = sorted(set(names or ()) - set(specs))
    if unknown:
        print(f"unknown provider(s): {', '.join(unknown)} (known: {', '.join(sorted(specs))})",
              file=sys.stderr)
        return 2
    chosen = [specs[name] for name in (names or sorted(specs))]
    documents = {spec.name: effective_document(Provider(spec), keep_extensions)
                 for spec in chosen}
    if out is None:
        json.dump(documents if len(documents) != 1 else next(iter(documents.values())),
                  sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        target = out / f"{name}.json"
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(target)
    return 0

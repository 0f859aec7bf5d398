"""``factdesk verify``: one claim, in this process or against a running server."""

from __future__ import annotations

import argparse
import json
from typing import Any

from factdesk.cli._common import Commands, api_key, http_verifier, local_verifier
from factdesk.core.settings import Settings
from verify.claim_text import check_claim


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    check_claim(args.claim)  # before any model is loaded: "1234" is refused at once
    verify = http_verifier(args.url, api_key(args, settings)) if args.url else None
    answer = (verify or local_verifier(settings))(args.claim)
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        return 0
    print(f"{answer['verdict']}  (confidence {answer['confidence']:.2f})  {args.claim}")
    reason = answer["reason"]
    print(f"  reason: {reason['code']}: {reason['detail']}")
    review = answer["review_reason"]
    print(f"  needs review: {review}" if review else "  usable as it is: needs no review")
    for citation in answer["citations"]:
        print(
            f"\n  [{_stance(citation)}] "
            f"{citation['document_id']} [{citation['start']}:{citation['end']}] "
            f'score {citation["score"]:.2f}\n    "{citation["text"]}"'
        )
    return 0


def _stance(citation: dict[str, Any]) -> str:
    stance = citation["stance"]
    if stance is None:
        return "no stance: states nothing"
    decisive = ", decisive" if citation["decisive"] else ""
    return f"{stance} {citation['stance_probabilities'][stance]:.2f}{decisive}"


def register(commands: Commands) -> None:
    verify = commands.add_parser("verify", help="Verify one claim and show the cited evidence.")
    verify.add_argument("claim")
    verify.add_argument("--url", help="Ask a running server instead of loading models here.")
    verify.add_argument("--key", help="With --url: the API key (default: FACTDESK_API_KEY).")
    verify.add_argument("--json", action="store_true", help="Print the full JSON answer.")
    verify.set_defaults(handler=_verify)

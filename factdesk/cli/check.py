"""``factdesk check FILE|-``: a whole draft's check-worthy sentences, each verified, in this
process or by a running server (POST /v1/articles/check, which audits it)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evaluation.claims_eval import as_answer
from factdesk.cli._common import (
    Commands,
    ProgressBars,
    api_key,
    current_verifier,
    server_client,
    server_post,
)
from factdesk.core.errors import InvalidInputError
from factdesk.core.settings import Settings
from factdesk.wiring import Pipeline, load_pipeline
from index.corpus import READ_SUFFIXES, read_document_bytes
from verify.article import DraftLimits
from verify.draft import CheckedDraft, checked_draft, draft_claims
from verify.verifier import ClaimRequest, Verification, claim_request

_CLAIMS_PER_PASS = 8  # verified together; the progress bar moves after each pass


class DraftFileError(InvalidInputError):
    pass


def _read(name: str) -> tuple[str, bytes | None]:
    """The draft's text, and the file's bytes (None for standard input)."""
    if name == "-":
        return sys.stdin.read(), None
    path = Path(name)
    if not path.is_file():
        raise DraftFileError(
            f"{name} not found: give a {', '.join(READ_SUFFIXES)} file, or - to read the "
            "draft from standard input"
        )
    data = path.read_bytes()
    return read_document_bytes(path, data)[0], data


def check_here(
    text: str,
    settings: Settings,
    pipeline_factory: Callable[[Settings], Pipeline] = load_pipeline,
    progress: Callable[[str, int, int], None] | None = None,
) -> CheckedDraft:
    """The draft checked in this process, on the corpus version the server answers with
    (nothing is audited: ask a server with --url for that)."""
    pipeline = pipeline_factory(settings)
    verifier = current_verifier(settings, pipeline)
    started = time.perf_counter()
    sentences = pipeline.articles.sentences(text)
    limits = DraftLimits(settings.article.max_sentences, settings.article.max_claims)
    worthy = pipeline.articles.worth_checking(sentences, limits)
    top_k = settings.retrieval.default_top_k
    claims = draft_claims(worthy, lambda sentence: claim_request(sentence, None, None, top_k))
    requests = [claim for claim in claims if isinstance(claim, ClaimRequest)]
    answers: list[Verification] = []
    for first in range(0, len(requests), _CLAIMS_PER_PASS):
        answers.extend(verifier.verify_many(requests[first : first + _CLAIMS_PER_PASS]))
        if progress is not None:
            progress("claims", len(answers), len(requests))
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    return checked_draft(sentences, worthy, claims, answers, took_ms)


def draft_body(text: str, source: str | None, draft: CheckedDraft) -> dict[str, Any]:
    """A draft checked here in the body shape of POST /v1/articles/check (without the audit
    ids a server gives)."""
    sentences = []
    for outcome in draft.outcomes:
        sentence = outcome.sentence
        answer = outcome.verification
        sentences.append(
            {
                "start": sentence.start,
                "end": sentence.end,
                "text": sentence.text,
                "checkworthiness": sentence.checkworthiness,
                "check_worthy": sentence.check_worthy,
                "answer": {"claim": answer.claim, **as_answer(answer)} if answer else None,
                "problem": {"detail": str(outcome.problem)} if outcome.problem else None,
            }
        )
    summary = {**vars(draft.summary())}
    summary["verdicts"] = {verdict.value: n for verdict, n in summary["verdicts"].items()}
    return {"text": text, "source": source, "sentences": sentences, "summary": summary,
            "took_ms": draft.took_ms}  # fmt: skip


def _check(args: argparse.Namespace, settings: Settings) -> int:
    text, data = _read(args.file)
    source = None if args.file == "-" else Path(args.file).name
    if args.url:
        client = server_client(args.url, api_key(args, settings), timeout_s=600)
        print(f"checking {source or 'standard input'} at {args.url} ...", file=sys.stderr)
        if data is not None and source is not None:
            body = server_post(client, "/v1/articles/check", files={"file": (source, data)})
        else:
            body = server_post(client, "/v1/articles/check", json={"text": text})
    else:
        progress = ProgressBars("verifying", " claims")
        draft = check_here(text, settings, load_pipeline, progress)
        body = draft_body(text, source, draft)
    if args.json:
        print(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        _print(body, source or "standard input", args.all)
    return 0


def _print(body: dict[str, Any], name: str, every_sentence: bool) -> None:
    summary = body["summary"]
    verdicts = ", ".join(f"{count} {verdict}" for verdict, count in summary["verdicts"].items())
    print(
        f"{name}: {summary['sentences']} sentences, {summary['check_worthy']} check-worthy "
        f"({verdicts}); {summary['needs_review']} need an editor's review"
    )
    for sentence in body["sentences"]:
        where = f"[{sentence['start']}:{sentence['end']}]"
        answer = sentence["answer"]
        if answer is not None:
            review = answer["review_reason"]
            advice = f"needs review: {review}" if review else "usable as it is"
            print(f"\n{where} {answer['verdict']} ({answer['confidence']:.2f}, {advice})")
            print(f"  {sentence['text']}")
            decisive = [c for c in answer["citations"] if c["decisive"]][:1]
            for citation in decisive or answer["citations"][:1]:
                print(f'  evidence: {citation["document_id"]} [{citation["start"]}:'
                      f'{citation["end"]}] "{citation["text"]}"')  # fmt: skip
        elif sentence["problem"] is not None:
            print(f"\n{where} not verified: {sentence['problem']['detail']}")
            print(f"  {sentence['text']}")
        elif every_sentence:
            print(f"\n{where} not check-worthy ({sentence['checkworthiness']:.2f})")
            print(f"  {sentence['text']}")


def register(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="Check a whole draft: its check-worthy sentences, each verified.",
        description="Reads a " + ", ".join(READ_SUFFIXES) + " file (or standard input with "
        "-), finds the sentences that make a check-worthy factual claim, and verifies each.",
    )
    check.add_argument("file", metavar="FILE|-")
    check.add_argument("--url", help="Ask a running server (which audits the check).")
    check.add_argument("--key", help="With --url: the API key (default: FACTDESK_API_KEY).")
    check.add_argument("--json", action="store_true", help="Print the full JSON answer.")
    check.add_argument(
        "--all", action="store_true", help="List the sentences that are not check-worthy too."
    )
    check.set_defaults(handler=_check)

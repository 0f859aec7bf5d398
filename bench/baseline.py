"""The plain verifier a user would write, served over HTTP, as the speed baseline.

`python -m bench.baseline [--host H] [--port P]` serves POST /v1/verify {"claim", "top_k"?}
-> {"verdict", "confidence", "passages"} over the same index, embedding model, stance model
(in fp32, as trained) and verdict rule as factdesk, written the direct way: a synchronous
FastAPI route; per request, SentenceTransformer.encode the claim, search a FAISS flat index,
score each retrieved passage on its own with the stance model (no batching, no caching, no
sentence selection), and apply the verdict rule to the passages. Settings come from the same
FACTDESK_* variables, so both servers answer over the same artifacts.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from factdesk.core.resources import resolve_model_ref
from factdesk.core.settings import Settings
from factdesk.wiring import stance_config, verdict_rule
from index.store import load_index
from verify.labels import STANCES, Stance
from verify.stance_model import StancePair, load_stance_model
from verify.verdict import JudgedEvidence, decide

_SUPPORTS = STANCES.index(Stance.SUPPORTS)
_REFUTES = STANCES.index(Stance.REFUTES)


class BaselineRequest(BaseModel):
    claim: str
    top_k: int | None = None


@dataclass
class BaselineVerifier:
    settings: Settings

    def __post_init__(self) -> None:
        import faiss
        from sentence_transformers import SentenceTransformer

        self.encoder = SentenceTransformer(
            resolve_model_ref(self.settings.embedding.model), device="cpu"
        )
        dimension = int(self.encoder.encode(["probe"]).shape[1])
        index = load_index(
            self.settings.index.index_dir,
            embedding_model=self.settings.embedding.model,
            dimension=dimension,
        )
        self.passages = index.passages
        self.documents = index.documents
        faiss_index = index.own_part().faiss_index  # one directory: one part
        vectors = faiss_index.reconstruct_n(0, faiss_index.ntotal)
        self.flat = faiss.IndexFlatIP(dimension)
        self.flat.add(vectors)
        # The model as trained (fp32): int8 inference is one of factdesk's levers, not the
        # user's starting point.
        config = dataclasses.replace(stance_config(self.settings, batch_size=1), precision="fp32")
        self.stance = load_stance_model(config)
        self.rule = verdict_rule(self.settings)

    def verify(self, claim: str, top_k: int | None) -> dict[str, Any]:
        k = top_k or self.settings.retrieval.default_top_k
        query = self.encoder.encode([claim], normalize_embeddings=True).astype(np.float32)
        scores, positions = self.flat.search(query, k)
        evidence: list[JudgedEvidence] = []
        passages: list[dict[str, Any]] = []
        for score, position in zip(scores[0], positions[0], strict=True):
            passage = self.passages[int(position)]
            probabilities = self.stance.predict([StancePair(passage.text, claim)])[0]
            evidence.append(
                JudgedEvidence(
                    passage.document_id,
                    float(probabilities[_SUPPORTS]),
                    float(probabilities[_REFUTES]),
                    float(score),
                )
            )
            passages.append({"passage_id": passage.id, "score": float(score)})
        decision = decide(evidence, self.rule)
        return {
            "verdict": decision.verdict.value,
            "confidence": decision.confidence,
            "passages": passages,
        }


def create_baseline_app(settings: Settings) -> FastAPI:
    verifier = BaselineVerifier(settings)
    app = FastAPI(title="baseline verifier")

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/v1/verify")
    def verify(request: BaselineRequest) -> dict[str, Any]:
        return verifier.verify(request.claim, request.top_k)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    settings = Settings()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.http.port)
    args = parser.parse_args()
    uvicorn.run(create_baseline_app(settings), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

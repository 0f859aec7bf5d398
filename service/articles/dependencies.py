"""The articles domain's typed dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.articles.service import ArticleCheckService


def get_articles(request: Request) -> ArticleCheckService:
    articles: ArticleCheckService = request.app.state.runtime.articles
    return articles


ArticlesDep = Annotated[ArticleCheckService, Depends(get_articles)]

"""Articles: a whole draft checked at once (POST /v1/articles/check): every sentence with
its span and check-worthiness, each check-worthy one verified and audited as a claim, the
draft audited whole with them."""

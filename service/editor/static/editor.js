// The editor page: check a claim, read the evidence in its paragraph, review the answer.
// Everything from the API is written with textContent, never as HTML.
"use strict";

const KEY_STORAGE = "factdesk.apiKey";
const $ = (id) => document.getElementById(id);
const documentTexts = new Map(); // document id -> array of code points
let current = null; // the answer on screen

function headers(json) {
  const h = {};
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  if (json) h["Content-Type"] = "application/json";
  return h;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: headers(options.body !== undefined),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = body.detail || response.statusText;
    throw new Error(response.status === 401 ? detail + " (enter an API key above)" : detail);
  }
  return body;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function documentText(id) {
  if (!documentTexts.has(id)) {
    const body = await api("/v1/documents/" + encodeURIComponent(id) + "/text");
    // Citation offsets count code points; Array.from splits a string into them.
    documentTexts.set(id, Array.from(body.text));
  }
  return documentTexts.get(id);
}

// The paragraph around [start, end): from the blank line before to the blank line after,
// at most ~240 characters either side of the evidence.
function paragraph(chars, start, end) {
  let from = start;
  while (from > 0 && !(chars[from - 1] === "\n" && chars[from - 2] === "\n") && start - from < 240) from--;
  let to = end;
  while (to < chars.length && !(chars[to] === "\n" && chars[to + 1] === "\n") && to - end < 240) to++;
  return {
    before: (from > 0 && start - from >= 240 ? "…" : "") + chars.slice(from, start).join(""),
    evidence: chars.slice(start, end).join(""),
    after: chars.slice(end, to).join("") + (to < chars.length && to - end >= 240 ? "…" : ""),
  };
}

async function renderCitation(citation) {
  const item = element("li");
  const source = element("p", null, "source");
  // Only the decisive evidence says how it bears on the claim: a sentence the verdict does
  // not rest on is context, whatever the model made of it on its own.
  if (citation.decisive) {
    source.append(element("span", "Decides the verdict · ", "decisive"));
    source.append(element("span", citation.stance ? citation.stance.toLowerCase() : ""));
    source.append(document.createTextNode(" · "));
  }
  if (citation.url) {
    const link = element("a", citation.title || citation.document_id);
    link.href = citation.url;
    link.rel = "noopener noreferrer";
    source.append(link);
  } else {
    source.append(element("span", citation.title || citation.document_id));
  }
  if (citation.publisher) source.append(document.createTextNode(" · " + citation.publisher));
  item.append(source);
  const quote = element("blockquote");
  try {
    const chars = await documentText(citation.document_id);
    const part = paragraph(chars, citation.start, citation.end);
    quote.append(document.createTextNode(part.before), element("mark", part.evidence),
                 document.createTextNode(part.after));
  } catch (error) {
    quote.append(element("mark", citation.text)); // the document text needs the read scope
  }
  item.append(quote);
  return item;
}

// The verdict that stands: the latest review's when an editor reviewed the answer.
function renderVerdict(answer, reviews) {
  const latest = reviews.length ? reviews[reviews.length - 1] : null;
  const standing = latest ? latest.verdict : answer.verdict;
  $("verdict").textContent = standing;
  $("verdict").className = "verdict " + standing;
  $("confidence").textContent = latest
    ? (latest.agrees ? "agreed by " : "set by ") + latest.reviewer
    : "confidence " + Math.round(answer.confidence * 100) + "%";
  const overridden = latest && !latest.agrees;
  $("machine-verdict").textContent = overridden
    ? "factdesk answered " + answer.verdict + " (confidence " +
      Math.round(answer.confidence * 100) + "%)"
    : "";
  $("machine-verdict").hidden = !overridden;
}

// Whether the answer can be used as it is (verify/review.py): the API says, with a reason.
const REVIEW_REASONS = {
  low_confidence: "its confidence is below what this judge is reliable at",
  conflict: "the sources disagree",
  abstention: "factdesk gave no verdict",
};

function renderReviewAdvice(answer, reviews) {
  const advice = $("review-advice");
  if (reviews.length) {
    advice.textContent = "Reviewed by an editor.";
    advice.className = "review-advice reviewed";
  } else if (answer.needs_review) {
    advice.textContent = "Needs an editor before use: " +
      (REVIEW_REASONS[answer.review_reason] || answer.review_reason) + ".";
    advice.className = "review-advice needs-review";
  } else {
    advice.textContent = "No review needed: as confident as the answers that were right " +
      "90% of the time on the claims this judge was fitted on.";
    advice.className = "review-advice usable";
  }
}

function renderReviews(reviews) {
  const list = $("reviews");
  list.replaceChildren();
  if (!reviews.length) list.append(element("li", "None yet.", "empty"));
  for (const review of reviews) {
    const words = (review.agrees ? "Agreed: " : "Overridden: ") + review.verdict +
      " by " + review.reviewer + (review.note ? " — " + review.note : "");
    list.append(element("li", words));
  }
}

async function renderAnswer(answer, reviews) {
  current = answer;
  $("answered-claim").textContent = "“" + answer.claim + "”";
  renderVerdict(answer, reviews || []);
  renderReviewAdvice(answer, reviews || []);
  $("reason").textContent = answer.reason ? answer.reason.detail : "";
  const deciding = answer.citations.filter((c) => c.decisive);
  const context = answer.citations.filter((c) => !c.decisive);
  $("citations").replaceChildren(...(await Promise.all(deciding.map(renderCitation))));
  if (!deciding.length) $("citations").append(element("li", "None: no evidence decides it.", "empty"));
  $("context").replaceChildren(...(await Promise.all(context.map(renderCitation))));
  $("context-heading").hidden = !context.length;
  renderReviews(reviews || []);
  renderEarlier(answer.earlier_checks || []);
  $("answer").hidden = false;
}

// Reviewed checks of the same claim: the desk's verdict beside factdesk's.
function renderEarlier(checks) {
  const list = $("earlier");
  list.replaceChildren();
  if (!checks.length) list.append(element("li", "None.", "empty"));
  for (const check of checks) {
    const item = element("li");
    const link = element("a", check.claim);
    link.href = check.claimreview_url;
    item.append(link, document.createTextNode(
      " — " + check.verdict + " by " + check.reviewer + " on " + check.reviewed_at.slice(0, 10) +
      (check.note ? ": " + check.note : "")));
    list.append(item);
  }
}

function clearAnswer() {
  current = null;
  $("answer").hidden = true;
}

async function check(event) {
  event.preventDefault();
  showError("");
  clearAnswer(); // an error must not leave the previous claim's verdict on screen
  $("busy").hidden = false;
  $("check").disabled = true;
  try {
    const answer = await api("/v1/verify", {
      method: "POST",
      body: JSON.stringify({ claim: $("claim").value }),
    });
    await renderAnswer(answer, []);
    loadRecent();
  } catch (error) {
    showError(error.message);
  } finally {
    $("busy").hidden = true;
    $("check").disabled = false;
  }
}

// A whole draft: every sentence in place, the check-worthy ones marked by verdict.
async function checkDraft(event) {
  event.preventDefault();
  showError("");
  $("draft-result").hidden = true;
  const file = $("draft-file").files[0];
  $("busy").hidden = false;
  $("check-draft").disabled = true;
  try {
    let body;
    if (file) {
      const form = new FormData();
      form.append("file", file);
      const key = $("api-key").value.trim();
      const response = await fetch("/v1/articles/check", {
        method: "POST", body: form, headers: key ? { Authorization: "Bearer " + key } : {},
      });
      body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.detail || response.statusText);
    } else {
      body = await api("/v1/articles/check", {
        method: "POST", body: JSON.stringify({ text: $("draft-text").value }),
      });
    }
    renderDraft(body);
    loadRecent();
  } catch (error) {
    showError(error.message);
  } finally {
    $("busy").hidden = true;
    $("check-draft").disabled = false;
  }
}

function renderDraft(body) {
  const s = body.summary;
  const counts = Object.entries(s.verdicts).filter(([, n]) => n).map(([v, n]) => n + " " + v);
  $("draft-summary").textContent = s.sentences + " sentences, " + s.check_worthy +
    " check-worthy" + (counts.length ? ": " + counts.join(", ") : "") + "; " +
    s.needs_review + " need an editor.";
  // Spans count code points, as the API's do; Array.from splits a string into them.
  const chars = Array.from(body.text);
  const out = $("draft-sentences");
  out.replaceChildren();
  let at = 0;
  for (const sentence of body.sentences) {
    out.append(document.createTextNode(chars.slice(at, sentence.start).join("")));
    const words = chars.slice(sentence.start, sentence.end).join("");
    if (sentence.answer) {
      // A mark, not a button: it wraps with the text like the sentence it is.
      const mark = element("mark", words, "sentence " + sentence.answer.verdict);
      mark.tabIndex = 0;
      mark.setAttribute("role", "button");
      mark.title = sentence.answer.verdict + (sentence.answer.needs_review ? " · needs review" : "");
      const open = () => {
        $("claim").value = sentence.answer.claim;
        renderAnswer(sentence.answer, []).then(() => $("answer").scrollIntoView());
      };
      mark.addEventListener("click", open);
      mark.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          open();
        }
      });
      out.append(mark);
    } else {
      out.append(element("span", words, sentence.check_worthy ? "sentence unverified" : "sentence"));
    }
    at = sentence.end;
  }
  out.append(document.createTextNode(chars.slice(at).join("")));
  $("draft-result").hidden = false;
}

async function review(event) {
  event.preventDefault();
  if (!current) return;
  showError("");
  const judgment = document.querySelector("input[name=judgment]:checked").value;
  const body = judgment === "agree" ? { agree: true } : { verdict: $("override-verdict").value };
  const note = $("note").value.trim();
  if (note) body.note = note;
  try {
    await api("/v1/queries/" + current.id + "/reviews", { method: "POST", body: JSON.stringify(body) });
    const record = await api("/v1/queries/" + current.id);
    renderVerdict(record.response, record.reviews);
    renderReviewAdvice(record.response, record.reviews);
    renderReviews(record.reviews);
    $("note").value = "";
    loadRecent();
  } catch (error) {
    showError(error.message);
  }
}

async function openQuery(id) {
  showError("");
  clearAnswer();
  try {
    const record = await api("/v1/queries/" + id);
    $("claim").value = record.claim;
    await renderAnswer(record.response, record.reviews);
  } catch (error) {
    showError(error.message);
  }
}

function queryItem(item) {
  const li = element("li");
  const button = element("button", item.claim);
  button.type = "button";
  button.addEventListener("click", () => openQuery(item.id));
  let verdict = item.reviewed_verdict
    ? item.reviewed_verdict + " (reviewed; factdesk: " + item.verdict + ")"
    : item.verdict;
  if (item.needs_review && !item.reviewed_verdict) verdict += " · needs review";
  li.append(button, document.createTextNode(" — " + verdict));
  return li;
}

// The review queue first, then everything recent.
async function loadRecent() {
  try {
    const [queue, recent] = await Promise.all([
      api("/v1/queries?needs_review=true&reviewed=false&limit=10"),
      api("/v1/queries?limit=10"),
    ]);
    $("queue").replaceChildren(...queue.items.map(queryItem));
    if (!queue.items.length) $("queue").append(element("li", "Nothing waiting.", "empty"));
    $("recent").replaceChildren(...recent.items.map(queryItem));
  } catch (error) {
    const needKey = "Checks need a key with the read scope.";
    $("queue").replaceChildren(element("li", needKey));
    $("recent").replaceChildren(element("li", needKey));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = localStorage.getItem(KEY_STORAGE) || "";
  if (!$("api-key").value) $("key-panel").open = true;
  $("api-key").addEventListener("change", () => {
    localStorage.setItem(KEY_STORAGE, $("api-key").value.trim());
    loadRecent();
  });
  $("check-form").addEventListener("submit", check);
  $("review-form").addEventListener("submit", review);
  $("draft-form").addEventListener("submit", checkDraft);
  loadRecent();
});

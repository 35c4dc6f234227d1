// The lab book's page script: Run (one step, or all with a progress bar), Copy, the keys and
// projector mode. Hand-written, no framework; the server renders every result (labs/book/app.py).
"use strict";

const steps = () => Array.from(document.querySelectorAll(".step"));
let focused = 0;

function focusStep(index, scroll = true) {
  const all = steps();
  if (!all.length) return;
  focused = Math.max(0, Math.min(index, all.length - 1));
  all.forEach((step, i) => step.classList.toggle("focused", i === focused));
  document.dispatchEvent(new CustomEvent("book:focus", { detail: { step: focused + 1 } })); // room.js
  if (!scroll) return;
  all[focused].focus({ preventScroll: true });
  all[focused].scrollIntoView({ block: "start", behavior: "instant" });
}

async function runStep(step) {
  const status = step.querySelector(".status");
  status.className = "status";
  status.textContent = "running…";
  let answer;
  try {
    const response = await fetch(step.dataset.run, { method: "POST" });
    answer = await response.json();
  } catch (error) {
    answer = { error: String(error) };
  }
  if (answer.refused || answer.error) {
    status.classList.add(answer.refused ? "refused" : "error");
    status.textContent = (answer.refused ? "refused: " : "error: ") + (answer.refused || answer.error);
    return null;
  }
  step.querySelector(".result").innerHTML = answer.html;
  if (answer.curl !== step.querySelector(".command code").textContent) {
    status.classList.add("error"); // the command shown must be the command run
    status.textContent = "the runner ran another command than the card shows: " + answer.curl;
    return answer;
  }
  status.textContent = answer.skipped ? "skipped" : answer.ok ? "✓ as expected" : "✗ not as expected";
  step.dataset.ok = answer.skipped ? "skipped" : String(answer.ok);
  return answer;
}

async function runAll() {
  const progress = document.getElementById("progress");
  const tally = document.getElementById("tally");
  let held = 0;
  let other = 0;
  progress.value = 0;
  for (const [index, step] of steps().entries()) {
    focusStep(index);
    const answer = await runStep(step);
    if (answer && answer.ok && !answer.skipped) held += 1;
    else other += 1;
    progress.value = index + 1;
    tally.textContent = `${held} as expected, ${other} not (or not run)`;
  }
}

async function copy(button) {
  const text = button.closest(".command").querySelector("code").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API off localhost over http: select the text so Ctrl-C copies it.
    const range = document.createRange();
    range.selectNodeContents(button.closest(".command").querySelector("code"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  }
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

function toggleProjector() {
  const on = document.body.classList.toggle("projector");
  const url = new URL(location.href);
  if (on) url.searchParams.set("projector", "1");
  else url.searchParams.delete("projector");
  history.replaceState(null, "", url);
  focusStep(focused);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const step = button.closest(".step");
  if (step) focusStep(steps().indexOf(step));
  if (button.classList.contains("run")) runStep(step);
  else if (button.classList.contains("copy")) copy(button);
  else if (button.id === "run-all") runAll();
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.matches("input, textarea")) return;
  const keys = {
    j: () => focusStep(focused + 1), ArrowDown: () => focusStep(focused + 1),
    k: () => focusStep(focused - 1), ArrowUp: () => focusStep(focused - 1),
    // A click, not runStep: a Run this page may not offer (disabled, room.js's rights) stays untried.
    r: () => steps()[focused]?.querySelector("button.run")?.click(),
    p: toggleProjector,
  };
  if (!keys[event.key]) return;
  event.preventDefault();
  keys[event.key]();
});

if (new URLSearchParams(location.search).get("projector") === "1") document.body.classList.add("projector");
if (steps().length) focusStep(0, false); // the page opens at its goal, step 1 marked

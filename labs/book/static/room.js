// The room: the presenter's page says where it is (POST /api/follow), every page in follow mode
// goes there (GET /api/follow, Server-Sent Events). The server decides who is the presenter
// (labs/book/room.py); this script only shows it. Loaded after book.js, whose focusStep it uses.
"use strict";

const room = {
  presenter: document.body.dataset.rights === "presenter",
  exists: document.body.dataset.room === "yes", // the book was started with --presenter
  lab: (location.pathname.match(/^\/labs\/([^/]+)$/) || [])[1] || null,
  stream: null,
};

// Readers follow unless they said otherwise this session; the presenter leads unless ?follow=1.
// A report page (/reports/...) is a reader's own errand: it follows only when asked to.
function followingWanted() {
  if (new URLSearchParams(location.search).get("follow") === "1") return true;
  const said = sessionStorage.getItem("proxylab-follow");
  const onTheLabs = location.pathname === "/" || room.lab !== null;
  return said ? said === "on" : !room.presenter && onTheLabs;
}

function goTo(position) {
  if (!position.lab) return;
  if (position.lab !== room.lab) {
    location.assign(`/labs/${position.lab}${location.search}`); // the new page follows on
    return;
  }
  focusStep(position.step - 1);
}

function setFollowing(on) {
  const button = document.getElementById("follow");
  if (button) button.setAttribute("aria-pressed", String(on));
  document.body.classList.toggle("following", on);
  if (on && !room.stream) {
    room.stream = new EventSource("/api/follow");
    room.stream.addEventListener("position", (event) => goTo(JSON.parse(event.data)));
  } else if (!on && room.stream) {
    room.stream.close();
    room.stream = null;
  }
}

function toggleFollowing() {
  const on = !room.stream;
  sessionStorage.setItem("proxylab-follow", on ? "on" : "off");
  setFollowing(on);
}

// The presenter's page, when it leads, tells the room each step it moves to.
async function announce(step) {
  if (!room.presenter || room.stream || !room.lab) return;
  const response = await fetch("/api/follow", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ lab: room.lab, step }),
  });
  if (!response.ok) console.warn("the room did not move:", (await response.json()).refused);
}

if (room.exists) {
  document.addEventListener("book:focus", (event) => announce(event.detail.step));
  document.addEventListener("click", (event) => {
    if (event.target.closest("#follow")) toggleFollowing();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "f" || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    toggleFollowing();
  });
  setFollowing(followingWanted());
  if (typeof focused !== "undefined" && document.querySelector(".step")) announce(focused + 1);
}

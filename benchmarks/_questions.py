"""Questions about the bundled corpus that the latency benchmarks ask: eight on its subject, then
two off it (which take the abstaining path)."""

BUNDLED = [
    "Who was the commander of Iran's Quds Force during the intervention?",
    "Which town did hundreds of Iranian soldiers help the Peshmerga retake in August 2014?",
    "How much did Iran spend on military aid to Iraq?",
    "Which Hezbollah technical specialist was killed near Mosul in July 2014?",
    "For how many days was the town of Amirli besieged by ISIL?",
    "When did the Defence Ministers of Iran and Iraq sign a military pact?",
    "Which Iranian general was killed in Samarra?",
    "What did the United States say about Iranian airstrikes?",
    "What is the boiling point of liquid nitrogen?",
    "Who is the president of the Islamic Republic?",
]

package dev.streamgate.generation;

/**
 * One turn of the conversation: {@code system}, {@code user}, {@code assistant} or {@code tool}.
 */
public record Message(String role, String content) {}
